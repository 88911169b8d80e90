namespace QueueService.Snapshots;

/// <summary>A snapshot <see cref="SnapshotDirectory.Write"/> put in place.</summary>
/// <param name="Path">The file's full path.</param>
/// <param name="Bytes">The file's size, header included.</param>
/// <param name="Tasks">How many tasks it holds.</param>
/// <param name="Duration">From the start of the write to the file being in place (encode, write, flush to disk, rename).</param>
public sealed record SnapshotWriteResult(string Path, long Bytes, int Tasks, TimeSpan Duration);
