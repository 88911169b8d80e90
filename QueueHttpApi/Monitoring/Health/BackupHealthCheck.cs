using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using QueueService.Snapshots;

namespace QueueHttpApi.Monitoring.Health;

/// <summary>
/// <c>backup</c>: Healthy when backups are disabled (<c>Queue:Snapshots:Enabled</c> false) or the last one is
/// younger than twice <see cref="SnapshotOptions.BackupInterval"/>; Degraded when it is older, or when there is
/// none yet that long after start. "The last one" is the newer of this process's last backup
/// (<see cref="BackupService.LastBackupAt"/>) and the newest snapshot file in the backup folder: with several
/// API replicas only one takes the periodic backup, and the others see its files when they share the folder.
/// </summary>
public sealed class BackupHealthCheck(BackupService backups, SnapshotDirectory folder, IOptions<SnapshotOptions> options,
    ApiStartTime started, TimeProvider time) : IHealthCheck
{
    /// <summary>The name in <c>/health</c>.</summary>
    public const string Name = "backup";

    /// <summary>How many backup intervals may pass before the backup counts as late.</summary>
    public const int AllowedIntervals = 2;

    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        if (!settings.Enabled)
            return Task.FromResult(HealthCheckResult.Healthy("Backups are disabled (Queue:Snapshots:Enabled is false)."));

        var now = time.GetUtcNow();
        var limit = settings.BackupInterval * AllowedIntervals;
        var last = Latest(backups.LastBackupAt, NewestFileTime(folder.DirectoryPath));
        var data = new Dictionary<string, object>
        {
            ["directory"] = folder.DirectoryPath,
            ["intervalSeconds"] = settings.BackupInterval.TotalSeconds,
        };
        if (last is null)
        {
            var up = now - started.At;
            return Task.FromResult(up > limit
                ? HealthCheckResult.Degraded($"No backup has been written in the {up.TotalSeconds:0} s since start (one is due every {settings.BackupInterval.TotalSeconds:0} s).", data: data)
                : HealthCheckResult.Healthy("No backup yet; the first is due within the backup interval.", data));
        }
        var age = now - last.Value;
        data["lastBackupAt"] = last.Value;
        data["ageSeconds"] = Math.Round(Math.Max(0, age.TotalSeconds), 1);
        // A process that has not run for two intervals yet cannot be late: an old file left by the
        // downtime before this start is not this process's fault (its first backup is still due).
        return Task.FromResult(age > limit && now - started.At > limit
            ? HealthCheckResult.Degraded($"The last backup is {age.TotalSeconds:0} s old, more than {AllowedIntervals} backup intervals ({limit.TotalSeconds:0} s).", data: data)
            : HealthCheckResult.Healthy("The last backup is recent.", data));
    }

    /// <summary>When the newest snapshot in <paramref name="directory"/> was written, or null when it holds none (or cannot be read).</summary>
    internal static DateTimeOffset? NewestFileTime(string directory)
    {
        try
        {
            var newest = Directory.Exists(directory)
                ? Directory.EnumerateFiles(directory, "snapshot-*.rqsnap").Max(StringComparer.Ordinal)
                : null;
            return newest is null ? null : new DateTimeOffset(File.GetLastWriteTimeUtc(newest), TimeSpan.Zero);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a > b ? a : b;
}
