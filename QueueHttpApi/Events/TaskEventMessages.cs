using System.Text.Json.Serialization;
using QueueHttpApi.Tasks;
using QueueService.Tasks;

namespace QueueHttpApi.Events;

/// <summary>
/// A task event on a socket: <c>type</c> is its kind (<c>queued</c>, <c>scheduled</c>, <c>started</c>,
/// <c>progress</c>, <c>completed</c>, <c>failed</c>, <c>cancelled</c>, <c>cancel-requested</c>, <c>retried</c>).
/// </summary>
public sealed record TaskEventMessage
{
    /// <summary>The event kind.</summary>
    [JsonPropertyOrder(-1)]
    public required string Type { get; init; }
    /// <summary>The task.</summary>
    public required string TaskId { get; init; }
    /// <summary>Its queue.</summary>
    public required string Queue { get; init; }
    /// <summary>Its status after the change.</summary>
    public required string Status { get; init; }
    /// <summary>When the change was made (store time; the task's <c>updatedAt</c> right after it).</summary>
    public DateTimeOffset At { get; init; }
    /// <summary>The attempt, on events of a leased attempt.</summary>
    public int? Attempt { get; init; }
    /// <summary>The lease holder, on events of a leased attempt.</summary>
    public string? WorkerId { get; init; }
    /// <summary>Percent and message, on progress events.</summary>
    public ProgressView? Progress { get; init; }
    /// <summary>The error the change recorded, if any.</summary>
    public string? Error { get; init; }
    /// <summary>When a scheduled task becomes due.</summary>
    public DateTimeOffset? ScheduledFor { get; init; }

    /// <summary>The message of a store event.</summary>
    public static TaskEventMessage From(TaskEvent taskEvent)
    {
        ArgumentNullException.ThrowIfNull(taskEvent);
        return new TaskEventMessage
        {
            Type = taskEvent.Kind.ToWire(), TaskId = taskEvent.TaskId, Queue = taskEvent.Queue, Status = taskEvent.Status.ToWire(),
            At = taskEvent.At, Attempt = taskEvent.Attempt, WorkerId = taskEvent.WorkerId,
            Progress = taskEvent.Progress is { } p ? new ProgressView(p.Percent, p.Message) : null,
            Error = taskEvent.Error, ScheduledFor = taskEvent.ScheduledFor,
        };
    }
}

/// <summary>The whole task, first on <c>/ws/tasks/{id}</c> and again after a catch-up re-read (<c>type</c> <c>snapshot</c>).</summary>
/// <param name="Task">The task as <c>GET /tasks/{id}</c> shows it.</param>
public sealed record TaskSnapshotMessage(TaskView Task)
{
    /// <summary>Always <c>snapshot</c>.</summary>
    [JsonPropertyOrder(-1)]
    public string Type => "snapshot";
}

/// <summary>A queued task's new place in line on <c>/ws/tasks/{id}</c> (<c>type</c> <c>position</c>).</summary>
/// <param name="TaskId">The task.</param>
/// <param name="QueuePosition">Its 1-based place in its queue.</param>
/// <param name="EstimatedWaitSeconds">Expected seconds until a worker starts it; null until the queue has a processing-time history.</param>
public sealed record TaskPositionMessage(string TaskId, long QueuePosition, double? EstimatedWaitSeconds)
{
    /// <summary>Always <c>position</c>.</summary>
    [JsonPropertyOrder(-1)]
    public string Type => "position";
}
