using System.Text.Json;

namespace QueueClient;

/// <summary>The answer of <c>GET /stats</c>.</summary>
/// <param name="Store">The store the API runs on: <c>redis</c>, <c>memory</c> or <c>memory-fallback</c>.</param>
/// <param name="Workers">Live workers.</param>
/// <param name="At">When the store took the reading.</param>
/// <param name="Totals">The sum over every queue.</param>
/// <param name="Queues">Per queue, by name.</param>
public sealed record QueueStats(string Store, int Workers, DateTimeOffset At, QueueFigures Totals,
    IReadOnlyDictionary<string, QueueFigures> Queues);

/// <summary>One queue's figures in <see cref="QueueStats"/> (or the totals).</summary>
/// <param name="Queued">Tasks waiting to run.</param>
/// <param name="Scheduled">Tasks waiting for their time.</param>
/// <param name="Processing">Tasks leased by a worker.</param>
/// <param name="Completed">Completed tasks still retained.</param>
/// <param name="Failed">Failed tasks still retained.</param>
/// <param name="Cancelled">Cancelled tasks still retained.</param>
/// <param name="AverageProcessingSeconds">Moving average of completed attempts' run time; null before the first completion.</param>
/// <param name="OldestQueuedAgeSeconds">Age of the task at the head of the queue; null when nothing is queued.</param>
/// <param name="Workers">Live workers that lease from this queue.</param>
/// <param name="EnqueuedTotal">Tasks ever enqueued.</param>
/// <param name="CompletedTotal">Tasks ever completed.</param>
/// <param name="FailedTotal">Tasks ever failed for good.</param>
public sealed record QueueFigures(long Queued, long Scheduled, long Processing, long Completed, long Failed, long Cancelled,
    double? AverageProcessingSeconds, double? OldestQueuedAgeSeconds, int Workers,
    long EnqueuedTotal, long CompletedTotal, long FailedTotal);

/// <summary>The answer of <c>GET /workers</c>: the live workers, ordered by id.</summary>
/// <param name="Items">The workers.</param>
/// <param name="Total">How many.</param>
public sealed record WorkerList(IReadOnlyList<WorkerInfo> Items, int Total);

/// <summary>One live worker.</summary>
/// <param name="Id">Its id (as in its tasks' <c>workerId</c>).</param>
/// <param name="Host">The machine it runs on.</param>
/// <param name="Pid">Its process id there.</param>
/// <param name="Queues">The queues it leases from.</param>
/// <param name="Concurrency">How many tasks it runs at once.</param>
/// <param name="CurrentTasks">The tasks it was running when it last reported.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="LastSeen">When it last reported.</param>
public sealed record WorkerInfo(string Id, string Host, int Pid, IReadOnlyList<string> Queues, int Concurrency,
    IReadOnlyList<string> CurrentTasks, DateTimeOffset StartedAt, DateTimeOffset LastSeen);

/// <summary>The answer of <c>GET /health</c> (returned for 200 and for 503 alike: an unhealthy service is an answer, not an error).</summary>
/// <param name="Status"><c>Healthy</c>, <c>Degraded</c> or <c>Unhealthy</c>.</param>
/// <param name="TotalDurationMs">How long the checks took.</param>
/// <param name="Checks">Each check by name (<c>store</c>, <c>backup</c>, <c>workers</c>, <c>transcription</c>).</param>
public sealed record HealthReport(string Status, double TotalDurationMs, IReadOnlyDictionary<string, HealthCheck> Checks)
{
    /// <summary>True when the status is <c>Healthy</c>.</summary>
    public bool IsHealthy => string.Equals(Status, "Healthy", StringComparison.Ordinal);
}

/// <summary>One health check's answer.</summary>
/// <param name="Status"><c>Healthy</c>, <c>Degraded</c> or <c>Unhealthy</c>.</param>
/// <param name="Description">What it found, in words.</param>
/// <param name="DurationMs">How long it took.</param>
/// <param name="Data">Its figures, as JSON values by name.</param>
public sealed record HealthCheck(string Status, string? Description, double DurationMs, IReadOnlyDictionary<string, JsonElement>? Data);

/// <summary>The answer of <c>POST /admin/backup</c>.</summary>
/// <param name="File">The snapshot file's full path on the server.</param>
/// <param name="Tasks">Tasks in it.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="DurationMs">Export plus write, in milliseconds.</param>
public sealed record BackupResult(string File, int Tasks, long Bytes, long DurationMs);

/// <summary>The answer of <c>POST /admin/cleanup-stuck-tasks</c>.</summary>
/// <param name="Requeued">To run again: queued at their place, or scheduled for a retry (attempts remained).</param>
/// <param name="Failed">Failed for good.</param>
/// <param name="Cancelled">Cancelled (a cancel was pending).</param>
/// <param name="TimedOut">How many of all of them had run past the maximum processing time (a hung worker), rather than lost their worker.</param>
public sealed record CleanupResult(int Requeued, int Failed, int Cancelled, int TimedOut = 0);

/// <summary>The answer of <c>DELETE /admin/tasks?olderThanHours=N</c>.</summary>
/// <param name="Deleted">Finished tasks deleted.</param>
public sealed record PurgeResult(long Deleted);
