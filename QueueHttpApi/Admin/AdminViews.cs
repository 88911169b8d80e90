namespace QueueHttpApi.Admin;

/// <summary>The answer of <c>POST /admin/backup</c>.</summary>
/// <param name="File">The snapshot file's full path.</param>
/// <param name="Tasks">Tasks in it.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="DurationMs">Export plus write, in milliseconds.</param>
public sealed record BackupView(string File, int Tasks, long Bytes, long DurationMs);

/// <summary>
/// The answer of <c>POST /admin/cleanup-stuck-tasks</c>: what happened to the stuck tasks, those whose lease had expired
/// (a crashed worker) or had reached its ceiling after the attempt ran past the maximum processing time (a hung one).
/// </summary>
/// <param name="Requeued">Will run again: back to queued at their place (lease expired), or scheduled for a retry after backoff (timed out).</param>
/// <param name="Failed">Failed for good (no attempt left).</param>
/// <param name="Cancelled">Cancelled (a cancel was pending when their worker vanished or hung).</param>
/// <param name="TimedOut">How many of the above ran past the maximum processing time (recorded as a <c>timeout</c> error); the others' lease expired.</param>
public sealed record CleanupView(int Requeued, int Failed, int Cancelled, int TimedOut);

/// <summary>The answer of <c>DELETE /admin/tasks</c>.</summary>
/// <param name="Deleted">Finished tasks deleted.</param>
public sealed record PurgeView(long Deleted);
