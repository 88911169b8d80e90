using QueueService.Tasks;

namespace QueueService.Stores;

/// <summary>
/// A page of a task listing. Order: queued in run order (priority, then FIFO); scheduled by due
/// time; processing by lease expiry; completed, failed and cancelled newest first; with no status,
/// all tasks newest first. Paging is by offset: O(log N + page) in both stores.
/// </summary>
/// <param name="Status">Only tasks in this status; null for all.</param>
/// <param name="Type">Only tasks of this queue; null for all.</param>
/// <param name="Offset">Tasks to skip (≥ 0).</param>
/// <param name="Limit">Page size, 1–<see cref="TaskLimits.MaxPageSize"/>.</param>
public sealed record TaskQuery(QueueTaskStatus? Status = null, string? Type = null, int Offset = 0, int Limit = 50)
{
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> for a bad offset, limit or type.</exception>
    public void Validate()
    {
        if (Type is not null) TaskLimits.ValidateQueueName(Type);
        if (Offset < 0) throw QueueStoreException.Invalid("offset", $"offset must be 0 or more; got {Offset}.");
        if (Limit is < 1 or > TaskLimits.MaxPageSize)
            throw QueueStoreException.Invalid("limit", $"limit must be between 1 and {TaskLimits.MaxPageSize}; got {Limit}.");
    }
}

/// <summary>One page of tasks and the total that matched.</summary>
public sealed record TaskPage(IReadOnlyList<QueueTask> Items, long Total, int Offset, int Limit);

/// <summary>Counts by status.</summary>
public sealed record StatusCounts(long Queued, long Scheduled, long Processing, long Completed, long Failed, long Cancelled)
{
    /// <summary>All zero.</summary>
    public static StatusCounts Zero { get; } = new(0, 0, 0, 0, 0, 0);
    /// <summary>The sum of every status.</summary>
    public long Total => Queued + Scheduled + Processing + Completed + Failed + Cancelled;
    /// <summary>The count of one status.</summary>
    public long Of(QueueTaskStatus status) => status switch
    {
        QueueTaskStatus.Queued => Queued,
        QueueTaskStatus.Scheduled => Scheduled,
        QueueTaskStatus.Processing => Processing,
        QueueTaskStatus.Completed => Completed,
        QueueTaskStatus.Failed => Failed,
        _ => Cancelled,
    };
    /// <summary>Adds two sets of counts.</summary>
    public StatusCounts Add(StatusCounts other) => new(Queued + other.Queued, Scheduled + other.Scheduled,
        Processing + other.Processing, Completed + other.Completed, Failed + other.Failed, Cancelled + other.Cancelled);
}

/// <summary>One queue's figures.</summary>
/// <param name="Type">The queue.</param>
/// <param name="Counts">Tasks now in each status (finished ones until purged).</param>
/// <param name="AverageProcessingTime">Moving average of completed attempts' run time; null before the first completion.</param>
/// <param name="EnqueuedTotal">Tasks ever enqueued on it (not reduced by purge).</param>
/// <param name="CompletedTotal">Tasks ever completed.</param>
/// <param name="FailedTotal">Tasks ever dead-lettered (failed for good).</param>
public sealed record QueueTypeStats(string Type, StatusCounts Counts, TimeSpan? AverageProcessingTime,
    long EnqueuedTotal, long CompletedTotal, long FailedTotal);

/// <summary>The whole store's figures.</summary>
/// <param name="Queues">Per queue, by name, every queue that ever had a task.</param>
/// <param name="Totals">The sum over queues.</param>
/// <param name="At">Store time of the reading.</param>
public sealed record QueueStats(IReadOnlyDictionary<string, QueueTypeStats> Queues, StatusCounts Totals, DateTimeOffset At);
