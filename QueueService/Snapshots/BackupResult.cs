namespace QueueService.Snapshots;

/// <summary>What a backup wrote.</summary>
/// <param name="File">The snapshot file's full path.</param>
/// <param name="Tasks">Tasks in it.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="DurationMs">Export plus write, in milliseconds.</param>
public sealed record BackupResult(string File, int Tasks, long Bytes, long DurationMs);
