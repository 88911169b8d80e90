using QueueService.Tasks;

namespace QueueService.Stores.Memory;

// Task events: an in-process broadcast (the in-memory twin of the Redis `events` channel).
public sealed partial class InMemoryQueueStore
{
    private readonly TaskEventHub _events = new();

    /// <inheritdoc/>
    public Task<TaskEventSubscription> SubscribeEventsAsync(int capacity = TaskEventSubscription.DefaultCapacity, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_events.Subscribe(capacity));
    }

    /// <summary>
    /// Publishes the change just made to <paramref name="task"/> (its status is the new one). Called
    /// under the store's lock, right after the change, so subscribers see changes in the order they
    /// were made; offering never waits (each subscription drops its oldest event when full), and a
    /// reader's continuation runs outside the lock (the channels run continuations asynchronously).
    /// </summary>
    /// <param name="kind">What happened.</param>
    /// <param name="task">The task, already changed.</param>
    /// <param name="nowMs">The time of the change (its new <c>updatedAt</c>).</param>
    /// <param name="attempt">The attempt, on events of a leased attempt (see <see cref="TaskEvent"/>).</param>
    /// <param name="workerId">The lease holder, on events of a leased attempt.</param>
    /// <param name="error">The message this change added to the error history, if any.</param>
    /// <param name="progress">The progress reported, on progress events.</param>
    private void PublishLocked(TaskEventKind kind, StoredTask task, long nowMs,
        int? attempt = null, string? workerId = null, string? error = null, TaskProgress? progress = null)
    {
        if (!_events.HasSubscribers) return;
        _events.Publish(new TaskEvent
        {
            Kind = kind,
            TaskId = task.Id,
            Queue = task.Type,
            Status = task.Status,
            At = DateTimeOffset.FromUnixTimeMilliseconds(nowMs),
            Attempt = attempt,
            WorkerId = workerId,
            Error = error,
            Progress = progress,
            ScheduledFor = task is { Status: QueueTaskStatus.Scheduled, ScheduledForMs: { } dueMs } ? DateTimeOffset.FromUnixTimeMilliseconds(dueMs) : null,
            LeaseToken = kind == TaskEventKind.Started ? task.LeaseToken : null,
        });
    }

    /// <summary>Publishes an event of the task's current lease: its attempt and worker ride along.</summary>
    private void PublishLeasedLocked(TaskEventKind kind, StoredTask task, long nowMs, int attempt, string? error = null, TaskProgress? progress = null) =>
        PublishLocked(kind, task, nowMs, attempt, task.WorkerId, error, progress);
}
