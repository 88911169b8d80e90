using System.ComponentModel.DataAnnotations;

namespace QueueService.Snapshots;

/// <summary>Backups of the store (section <c>Queue:Snapshots</c>).</summary>
public sealed class SnapshotOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Queue:Snapshots";

    /// <summary>Whether this process takes backups and restores at start (default true).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where snapshot files go (env <c>BACKUP_DIR</c>); relative to the current directory. Default <c>backups</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Directory { get; set; } = "backups";

    /// <summary>The period of the backup (env <c>BACKUP_INTERVAL</c>, seconds). Default 300 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan BackupInterval { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>How many snapshot files to keep (default 5).</summary>
    [Range(1, 1000)]
    public int Keep { get; set; } = 5;

    /// <summary>Whether to take a backup when the host stops gracefully (default true).</summary>
    public bool BackupOnShutdown { get; set; } = true;
}
