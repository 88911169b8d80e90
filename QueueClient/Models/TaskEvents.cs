namespace QueueClient;

/// <summary>
/// One message of a task-event socket (docs/api-events.md). <see cref="Type"/> says which:
/// <c>snapshot</c> (the whole <see cref="Task"/>), <c>position</c> (<see cref="QueuePosition"/>,
/// <see cref="EstimatedWaitSeconds"/>), or an event kind — <c>queued</c>, <c>scheduled</c>, <c>started</c>,
/// <c>progress</c>, <c>completed</c>, <c>failed</c>, <c>cancelled</c>, <c>cancel-requested</c>, <c>retried</c> —
/// with the fields the server sets for it. Fields that do not apply are null.
/// </summary>
public sealed record TaskEvent
{
    /// <summary>The message kind.</summary>
    public required string Type { get; init; }
    /// <summary>The task (on a snapshot: <see cref="Task"/>'s id).</summary>
    public string? TaskId { get; init; }
    /// <summary>Its queue (events only).</summary>
    public string? Queue { get; init; }
    /// <summary>Its status after the change (events and snapshots).</summary>
    public QueueTaskStatus? Status { get; init; }
    /// <summary>When the change was made (store time).</summary>
    public DateTimeOffset? At { get; init; }
    /// <summary>The attempt, on events of a leased attempt.</summary>
    public int? Attempt { get; init; }
    /// <summary>The lease holder, on events of a leased attempt.</summary>
    public string? WorkerId { get; init; }
    /// <summary>Percent and message, on <c>progress</c>.</summary>
    public TaskProgress? Progress { get; init; }
    /// <summary>The error the change recorded.</summary>
    public string? Error { get; init; }
    /// <summary>When a scheduled task becomes due.</summary>
    public DateTimeOffset? ScheduledFor { get; init; }
    /// <summary>The whole task, on <c>snapshot</c>.</summary>
    public QueueTask? Task { get; init; }
    /// <summary>The task's place in line, on <c>position</c>.</summary>
    public long? QueuePosition { get; init; }
    /// <summary>Expected seconds until it starts, on <c>position</c>.</summary>
    public double? EstimatedWaitSeconds { get; init; }

    /// <summary>True for the events after which the task is finished: <c>completed</c>, <c>failed</c>, <c>cancelled</c>.</summary>
    public bool IsTerminal => Type is "completed" or "failed" or "cancelled";
}
