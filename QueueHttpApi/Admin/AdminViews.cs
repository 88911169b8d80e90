namespace QueueHttpApi.Admin;

/// <summary>The answer of <c>POST /admin/backup</c>.</summary>
/// <param name="File">The snapshot file's full path.</param>
/// <param name="Tasks">Tasks in it.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="DurationMs">Export plus write, in milliseconds.</param>
public sealed record BackupView(string File, int Tasks, long Bytes, long DurationMs);

/// <summary>The answer of <c>POST /admin/cleanup-stuck-tasks</c>: what happened to the tasks whose lease had expired.</summary>
/// <param name="Requeued">Back to queued, at their place (attempts remained).</param>
/// <param name="Failed">Failed for good (no attempt left).</param>
/// <param name="Cancelled">Cancelled (a cancel was pending when their worker vanished).</param>
public sealed record CleanupView(int Requeued, int Failed, int Cancelled);

/// <summary>The answer of <c>DELETE /admin/tasks</c>.</summary>
/// <param name="Deleted">Finished tasks deleted.</param>
public sealed record PurgeView(long Deleted);
