using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QueueService.Stores;
using QueueService.Tasks;

namespace QueueService.Maintenance;

/// <summary>
/// Reclaims stuck tasks every <see cref="MaintenanceOptions.ReapInterval"/>: those whose lease expired (crashed
/// workers) and those whose lease reached its ceiling because the attempt ran past
/// <see cref="QueueStoreOptions.MaxProcessingTime"/> (a hung handler whose worker still heartbeats).
/// </summary>
public sealed class LeaseReaper(IQueueStore store, IOptions<MaintenanceOptions> options, ReclaimCounter counter, TimeProvider time, ILogger<LeaseReaper> logger)
    : MaintenanceLoop(time, logger)
{
    /// <inheritdoc/>
    protected override string Activity => "Lease reaping";
    /// <inheritdoc/>
    protected override TimeSpan Interval => options.Value.ReapInterval;
    /// <inheritdoc/>
    protected override bool IsEnabled => options.Value.Enabled;

    /// <inheritdoc/>
    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var reaped = await store.ReapExpiredAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        Report(logger, reaped, "the lease reaper", counter);
    }

    /// <summary>
    /// Logs one Warning per reclaimed task (id, queue, worker, attempt, new status and why) and, when any was, one
    /// Information summary naming <paramref name="source"/>, adds them to <paramref name="counter"/>, and returns the
    /// counts. Shared by the reaper and <c>POST /admin/cleanup-stuck-tasks</c>, so both log and count the same way.
    /// </summary>
    public static ReapCounts Report(ILogger logger, IReadOnlyList<ReapedTask> reaped, string source, ReclaimCounter? counter = null)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(reaped);
        counter?.Record(reaped);
        foreach (var task in reaped)
        {
            if (task.Reason == ReapReason.TimedOut)
                logger.LogWarning("Reclaimed task {TaskId} of queue {Queue} from worker {WorkerId}: attempt {Attempt} ran past the maximum processing time (its lease reached its ceiling); it is now {Status}",
                    task.TaskId, task.Type, task.WorkerId, task.Attempt, task.NewStatus.ToWire());
            else
                logger.LogWarning("Reclaimed task {TaskId} of queue {Queue} from worker {WorkerId}: its lease expired during attempt {Attempt}; it is now {Status}",
                    task.TaskId, task.Type, task.WorkerId, task.Attempt, task.NewStatus.ToWire());
        }
        var counts = ReapCounts.Of(reaped);
        if (counts.Total > 0)
            logger.LogInformation("Reclaimed {Count} stuck tasks ({Source}): {Requeued} requeued, {Retried} scheduled for a retry, {Failed} failed, {Cancelled} cancelled; {TimedOut} of them ran past the maximum processing time",
                counts.Total, source, counts.Requeued, counts.Retried, counts.Failed, counts.Cancelled, counts.TimedOut);
        return counts;
    }
}

/// <summary>What a reap did, counted.</summary>
/// <param name="Requeued">Back to queued at their place (lease expired, attempts remained).</param>
/// <param name="Retried">Scheduled for a retry after backoff (timed out, attempts remained).</param>
/// <param name="Failed">Failed for good (no attempt left).</param>
/// <param name="Cancelled">Cancelled (a cancel was pending).</param>
/// <param name="TimedOut">How many of all these ran past the maximum processing time (the others' lease expired).</param>
public sealed record ReapCounts(int Requeued, int Retried, int Failed, int Cancelled, int TimedOut)
{
    /// <summary>All reclaimed tasks.</summary>
    public int Total => Requeued + Retried + Failed + Cancelled;

    /// <summary>Counts a reap's result.</summary>
    public static ReapCounts Of(IEnumerable<ReapedTask> reaped)
    {
        ArgumentNullException.ThrowIfNull(reaped);
        int requeued = 0, retried = 0, failed = 0, cancelled = 0, timedOut = 0;
        foreach (var task in reaped)
        {
            switch (task.NewStatus)
            {
                case QueueTaskStatus.Queued: requeued++; break;
                case QueueTaskStatus.Scheduled: retried++; break;
                case QueueTaskStatus.Failed: failed++; break;
                default: cancelled++; break;
            }
            if (task.Reason == ReapReason.TimedOut) timedOut++;
        }
        return new ReapCounts(requeued, retried, failed, cancelled, timedOut);
    }

    /// <summary>The sum of two counts (a reap run in batches).</summary>
    public static ReapCounts operator +(ReapCounts left, ReapCounts right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new ReapCounts(left.Requeued + right.Requeued, left.Retried + right.Retried, left.Failed + right.Failed,
            left.Cancelled + right.Cancelled, left.TimedOut + right.TimedOut);
    }
}
