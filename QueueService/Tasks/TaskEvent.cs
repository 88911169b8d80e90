namespace QueueService.Tasks;

/// <summary>
/// One change of one task, as a store publishes it (<see cref="Stores.IQueueStore.SubscribeEventsAsync"/>):
/// small on purpose, so publishing stays cheap; a subscriber that wants the whole task reads it.
/// Both stores fill the same fields for the same change (the contract suite checks it):
/// <list type="bullet">
/// <item><see cref="Attempt"/> and <see cref="WorkerId"/> on every event of a leased attempt: started,
/// progress, cancel-requested, and whatever ends the lease (completed, failed, cancelled, queued by a
/// hand-back or the reaper, retried after a failure); never on enqueue, promotion, a cancel of a waiting
/// task or a manual retry.</item>
/// <item><see cref="Progress"/> (percent and message, no details) on progress only.</item>
/// <item><see cref="Error"/>, the message the change added to the error history, when it added one
/// (a failure, a reclaimed lease).</item>
/// <item><see cref="ScheduledFor"/> when the task is now scheduled (scheduled, retried after a failure).</item>
/// </list>
/// </summary>
public sealed record TaskEvent
{
    /// <summary>What happened.</summary>
    public required TaskEventKind Kind { get; init; }
    /// <summary>The task.</summary>
    public required string TaskId { get; init; }
    /// <summary>Its queue (task type).</summary>
    public required string Queue { get; init; }
    /// <summary>Its status after the change.</summary>
    public required QueueTaskStatus Status { get; init; }
    /// <summary>When the change was made (store time, milliseconds): equal to the task's <see cref="QueueTask.UpdatedAt"/> right after it.</summary>
    public required DateTimeOffset At { get; init; }
    /// <summary>The attempt the event is about (1-based), on events of a leased attempt.</summary>
    public int? Attempt { get; init; }
    /// <summary>The worker holding (or that held) the lease, on events of a leased attempt.</summary>
    public string? WorkerId { get; init; }
    /// <summary>The reported progress (percent and message; details are not sent), on progress events.</summary>
    public TaskProgress? Progress { get; init; }
    /// <summary>The error message this change recorded, if it recorded one.</summary>
    public string? Error { get; init; }
    /// <summary>When a scheduled task becomes due, on scheduled events and retries after a failure.</summary>
    public DateTimeOffset? ScheduledFor { get; init; }
    /// <summary>
    /// The lease token, on <c>started</c> events only. Internal to the service: the API's redo log keeps it,
    /// so a restore after Redis lost its data can give the task back to the worker running it; it is never
    /// sent to clients (the API's event messages do not carry it).
    /// </summary>
    public long? LeaseToken { get; init; }
}
