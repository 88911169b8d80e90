namespace QueueService.Tasks;

/// <summary>What a submitter gives to enqueue a task.</summary>
/// <param name="Type">The queue: lower-case letters, digits, <c>-</c>, <c>_</c>, <c>.</c>; 1–64 characters.</param>
/// <param name="PayloadJson">The payload as JSON text (at most <see cref="TaskLimits.MaxPayloadBytes"/> UTF-8 bytes).</param>
public sealed record NewTask(string Type, string PayloadJson)
{
    /// <summary>The id to use; null lets the store make a version-7 GUID. Enqueueing an id that exists is a no-op (see <see cref="EnqueueResult.Created"/>).</summary>
    public string? Id { get; init; }
    /// <summary>0–100, higher first; default 0.</summary>
    public int Priority { get; init; } = Tasks.Priority.Default;
    /// <summary>Retries after the first attempt, 0–100; default 3.</summary>
    public int MaxRetries { get; init; } = TaskLimits.DefaultMaxRetries;
    /// <summary>Run no sooner than this long after enqueue (the task starts <c>scheduled</c>); a fraction of a millisecond rounds up. Exclusive with <see cref="RunAt"/>.</summary>
    public TimeSpan? Delay { get; init; }
    /// <summary>Run no sooner than this time. Exclusive with <see cref="Delay"/>. A time in the past queues at once.</summary>
    public DateTimeOffset? RunAt { get; init; }
    /// <summary>
    /// When the task was first accepted, for a task moved from one store into another (the failover store's drain
    /// keeps the time a task was accepted into memory during an outage); null (the default) is the store's clock at
    /// the enqueue. Milliseconds are kept; it does not change the task's place in its queue.
    /// </summary>
    public DateTimeOffset? CreatedAt { get; init; }
}

/// <summary>What an enqueue did.</summary>
/// <param name="Id">The task id.</param>
/// <param name="Created">False when a task with that id already existed: nothing was changed.</param>
/// <param name="Status">The task's status now (queued, or scheduled when delayed; the existing status when not created).</param>
/// <param name="CreatedAt">When the task was created.</param>
/// <param name="QueuePosition">1-based place in its queue when queued.</param>
/// <param name="EstimatedWait">Expected wait when queued and a processing-time history exists.</param>
public sealed record EnqueueResult(
    string Id,
    bool Created,
    QueueTaskStatus Status,
    DateTimeOffset CreatedAt,
    long? QueuePosition,
    TimeSpan? EstimatedWait);
