namespace QueueService.Stores;

/// <summary>
/// A worker's hold on one task, as <see cref="IQueueStore.LeaseAsync"/> hands it out. Every later
/// call about the task (heartbeat, progress, complete, fail, release) presents it; the store
/// refuses it with <see cref="StoreError.LeaseNotHeld"/> once the lease was reclaimed.
/// </summary>
/// <param name="TaskId">The task.</param>
/// <param name="Type">Its queue.</param>
/// <param name="PayloadJson">Its payload as JSON text.</param>
/// <param name="Priority">Its priority.</param>
/// <param name="Attempt">1-based attempt number of this lease (handlers are told it: delivery is at-least-once).</param>
/// <param name="MaxRetries">Retries allowed after the first attempt.</param>
/// <param name="WorkerId">The worker that holds it.</param>
/// <param name="LeaseToken">Unique per lease (never reused in a namespace); what the store checks.</param>
/// <param name="LeaseExpiresAt">When the lease runs out unless renewed (store time).</param>
/// <param name="CreatedAt">When the task was enqueued.</param>
public sealed record TaskLease(
    string TaskId,
    string Type,
    string PayloadJson,
    int Priority,
    int Attempt,
    int MaxRetries,
    string WorkerId,
    long LeaseToken,
    DateTimeOffset LeaseExpiresAt,
    DateTimeOffset CreatedAt);

/// <summary>What a heartbeat found.</summary>
/// <param name="LeaseExpiresAt">The renewed expiry.</param>
/// <param name="IsCancelRequested">True when a user asked to cancel the task: stop and call <see cref="IQueueStore.ConfirmCancelAsync"/>.</param>
/// <param name="IsLeaseCapped">
/// True when the lease could not be renewed for the full duration asked: it reached its ceiling,
/// <c>startedAt + </c><see cref="QueueStoreOptions.MaxProcessingTime"/><c> + </c><see cref="QueueStoreOptions.LeaseCeilingGrace"/>.
/// The lease then runs out at <paramref name="LeaseExpiresAt"/> whatever the worker does, and the reaper reclaims
/// the task as a time-out unless the worker records an outcome first.
/// </param>
public sealed record HeartbeatResult(DateTimeOffset LeaseExpiresAt, bool IsCancelRequested, bool IsLeaseCapped = false);

/// <summary>How an attempt failed.</summary>
/// <param name="Message">What went wrong (cut to <see cref="Tasks.TaskLimits.MaxErrorLength"/>).</param>
/// <param name="Kind">A <see cref="Tasks.TaskErrorKinds"/> value.</param>
/// <param name="IsRetryable">False for a permanent error: the task fails at once whatever retries remain.</param>
/// <param name="RetryDelay">The wait before the retry; null uses the store's backoff policy for the attempt.</param>
public sealed record TaskFailure(
    string Message,
    string Kind = Tasks.TaskErrorKinds.Error,
    bool IsRetryable = true,
    TimeSpan? RetryDelay = null);

/// <summary>What a failure led to.</summary>
/// <param name="Status"><see cref="Tasks.QueueTaskStatus.Scheduled"/> (will retry) or <see cref="Tasks.QueueTaskStatus.Failed"/> (dead-lettered), or <see cref="Tasks.QueueTaskStatus.Cancelled"/> when a cancel had been requested.</param>
/// <param name="RetryAt">When the retry becomes due, if scheduled.</param>
public sealed record FailOutcome(Tasks.QueueTaskStatus Status, DateTimeOffset? RetryAt);

/// <summary>What a cancel did.</summary>
public enum CancelOutcome
{
    /// <summary>The task was queued or scheduled and is now cancelled.</summary>
    Cancelled,
    /// <summary>The task is processing: cancellation was requested and the worker is told at its next heartbeat.</summary>
    CancelRequested,
}

/// <summary>Why the reaper took a task back.</summary>
public enum ReapReason
{
    /// <summary>Its lease expired before <see cref="QueueStoreOptions.MaxProcessingTime"/>: the worker crashed, or lost the store for longer than a lease.</summary>
    LeaseExpired,
    /// <summary>
    /// Its lease expired after the attempt had run for <see cref="QueueStoreOptions.MaxProcessingTime"/> or longer (a
    /// hung handler whose worker kept heartbeating until the lease reached its ceiling): recorded as a
    /// <see cref="Tasks.TaskErrorKinds.Timeout"/> and retried after backoff like any failure.
    /// </summary>
    TimedOut,
}

/// <summary>A task the reaper took back from an expired lease.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Type">Its queue.</param>
/// <param name="WorkerId">The worker whose lease expired.</param>
/// <param name="Attempt">The attempt that was lost.</param>
/// <param name="NewStatus">
/// Queued (lease expired, attempts remain), scheduled (timed out, attempts remain: a retry after backoff), failed
/// (spent) or cancelled (a cancel was pending).
/// </param>
/// <param name="Reason">Why: an expired lease, or an attempt that ran past the maximum processing time.</param>
public sealed record ReapedTask(string TaskId, string Type, string WorkerId, int Attempt, Tasks.QueueTaskStatus NewStatus,
    ReapReason Reason = ReapReason.LeaseExpired);
