using QueueService.Stores;

namespace QueueHttpApi.Monitoring;

/// <summary>The answer of <c>GET /stats</c>.</summary>
/// <param name="Store">The store this API runs on: <c>redis</c>, <c>memory</c> or <c>memory-fallback</c>.</param>
/// <param name="Workers">Live workers in the registry (embedded ones included).</param>
/// <param name="At">When the store took the reading (its clock).</param>
/// <param name="Totals">The sum over every queue.</param>
/// <param name="Queues">Per queue, by name: every queue that ever had a task.</param>
public sealed record StatsView(string Store, int Workers, DateTimeOffset At, QueueStatsView Totals,
    IReadOnlyDictionary<string, QueueStatsView> Queues);

/// <summary>One queue's figures in <c>GET /stats</c> (or the totals).</summary>
/// <param name="Queued">Tasks waiting to run.</param>
/// <param name="Scheduled">Tasks waiting for their time (a delay, or a retry's backoff).</param>
/// <param name="Processing">Tasks leased by a worker.</param>
/// <param name="Completed">Completed tasks still retained.</param>
/// <param name="Failed">Failed tasks still retained.</param>
/// <param name="Cancelled">Cancelled tasks still retained.</param>
/// <param name="AverageProcessingSeconds">Moving average of completed attempts' run time; null before the first completion. The totals weigh each queue by its completions.</param>
/// <param name="OldestQueuedAgeSeconds">Seconds since the task at the head of the queue (the next to run) was created; null when nothing is queued. The totals take the largest.</param>
/// <param name="Workers">Live workers that lease from this queue (the totals: all live workers).</param>
/// <param name="EnqueuedTotal">Tasks ever enqueued (not reduced by purges).</param>
/// <param name="CompletedTotal">Tasks ever completed.</param>
/// <param name="FailedTotal">Tasks ever failed for good.</param>
public sealed record QueueStatsView(long Queued, long Scheduled, long Processing, long Completed, long Failed, long Cancelled,
    double? AverageProcessingSeconds, double? OldestQueuedAgeSeconds, int Workers,
    long EnqueuedTotal, long CompletedTotal, long FailedTotal);

/// <summary>The answer of <c>GET /workers</c>: the live workers, ordered by id.</summary>
/// <param name="Items">The workers.</param>
/// <param name="Total">How many.</param>
public sealed record WorkerListView(IReadOnlyList<WorkerView> Items, int Total);

/// <summary>One live worker.</summary>
/// <param name="Id">Its id (as in its tasks' <c>workerId</c>).</param>
/// <param name="Host">The machine it runs on.</param>
/// <param name="Pid">Its process id there.</param>
/// <param name="Queues">The queues it leases from.</param>
/// <param name="Concurrency">How many tasks it runs at once.</param>
/// <param name="CurrentTasks">The ids of the tasks it was running when it last reported.</param>
/// <param name="StartedAt">When it started (its own clock).</param>
/// <param name="LastSeen">When it last reported (the store's clock); a worker silent for three heartbeats drops out.</param>
public sealed record WorkerView(string Id, string Host, int Pid, IReadOnlyList<string> Queues, int Concurrency,
    IReadOnlyList<string> CurrentTasks, DateTimeOffset StartedAt, DateTimeOffset LastSeen)
{
    /// <summary>The view of a registry entry.</summary>
    public static WorkerView From(WorkerInfo worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return new WorkerView(worker.WorkerId, worker.Host, worker.ProcessId, worker.Queues, worker.Concurrency,
            worker.CurrentTaskIds, worker.StartedAt, worker.LastHeartbeatAt);
    }
}
