using Microsoft.Extensions.Logging;
using QueueService.Stores;
using QueueService.Tasks;

namespace QueueService.Workers;

// Recording how an attempt ended: which transition, and getting it into the store through an outage.
public sealed partial class QueueWorkerService
{
    private static readonly TimeSpan FirstRecordRetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRecordRetryDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MinTryTimeout = TimeSpan.FromMilliseconds(10);

    private async Task<TaskOutcome> RecordEndAsync(TaskLease lease, HandlerEnd end, string? result, Exception? error,
        CancellationTokenSource userCancel, CancellationTokenSource timedOut, CancellationTokenSource leaseLost)
    {
        if (leaseLost.IsCancellationRequested)
        {
            _logger.LogWarning("Task {TaskId} of queue {Queue}: worker {WorkerId} lost its lease; the attempt's outcome is dropped because another worker owns the task now",
                lease.TaskId, lease.Type, lease.WorkerId);
            return TaskOutcome.Lost;
        }
        var lost = leaseLost.Token;
        switch (end)
        {
            case HandlerEnd.Returned:
                return await RecordAsync(lease, "complete", ct => _store.CompleteAsync(lease, result, ct), TaskOutcome.Completed, lost).ConfigureAwait(false);
            case HandlerEnd.Threw when error is PermanentTaskException:
                _logger.LogWarning(error, "Task {TaskId} of queue {Queue} failed permanently on worker {WorkerId}", lease.TaskId, lease.Type, lease.WorkerId);
                return await RecordFailureAsync(lease, new TaskFailure(error.Message, IsRetryable: false), lost).ConfigureAwait(false);
            case HandlerEnd.Threw:
                _logger.LogWarning(error, "Task {TaskId} of queue {Queue} failed on worker {WorkerId} (attempt {Attempt})", lease.TaskId, lease.Type, lease.WorkerId, lease.Attempt);
                return await RecordFailureAsync(lease, new TaskFailure($"{error!.GetType().Name}: {error.Message}"), lost).ConfigureAwait(false);
        }

        // Stopped by one of our tokens. A user's cancel wins over a time-out, which wins over shutdown.
        if (userCancel.IsCancellationRequested)
        {
            _logger.LogInformation("Task {TaskId} of queue {Queue} cancelled by request on worker {WorkerId}", lease.TaskId, lease.Type, lease.WorkerId);
            return await RecordAsync(lease, "confirm cancel", ct => _store.ConfirmCancelAsync(lease, ct), TaskOutcome.Cancelled, lost).ConfigureAwait(false);
        }
        if (timedOut.IsCancellationRequested)
        {
            _logger.LogWarning("Task {TaskId} of queue {Queue} ran past the maximum processing time {MaxProcessingTime} on worker {WorkerId}",
                lease.TaskId, lease.Type, _options.MaxProcessingTime, lease.WorkerId);
            var failure = new TaskFailure($"The attempt ran longer than the maximum processing time ({_options.MaxProcessingTime}).", TaskErrorKinds.Timeout);
            return await RecordFailureAsync(lease, failure, lost).ConfigureAwait(false);
        }
        _logger.LogInformation("Task {TaskId} of queue {Queue} handed back unfinished by worker {WorkerId} at shutdown", lease.TaskId, lease.Type, lease.WorkerId);
        return await RecordAsync(lease, "release", ct => _store.ReleaseAsync(lease, ct), TaskOutcome.Released, lost).ConfigureAwait(false);
    }

    private async Task<TaskOutcome> RecordFailureAsync(TaskLease lease, TaskFailure failure, CancellationToken leaseLost)
    {
        FailOutcome? after = null;
        var outcome = await RecordAsync(lease, "fail", async ct => after = await _store.FailAsync(lease, failure, ct).ConfigureAwait(false),
            TaskOutcome.Failed, leaseLost).ConfigureAwait(false);
        if (after is null)
            return outcome;
        _logger.LogInformation("Task {TaskId} of queue {Queue} is now {Status} (retry at {RetryAt}) after attempt {Attempt} on worker {WorkerId}",
            lease.TaskId, lease.Type, after.Status.ToWire(), after.RetryAt, lease.Attempt, lease.WorkerId);
        return after.Status == QueueTaskStatus.Failed ? TaskOutcome.Failed : TaskOutcome.FailedWillRetry;
    }

    /// <summary>
    /// Records an attempt's outcome; never throws. An unreachable store (<see cref="StoreError.Unavailable"/>,
    /// a time-out) is retried with capped exponential backoff until the outcome is recorded, the store
    /// refuses it (<see cref="StoreError.LeaseNotHeld"/>/<see cref="StoreError.NotFound"/>), the heartbeat
    /// learns the lease was lost (<paramref name="leaseLost"/>), or <see cref="RecordingTimeLeft"/> runs out.
    /// </summary>
    private async Task<TaskOutcome> RecordAsync(TaskLease lease, string action, Func<CancellationToken, Task> record, TaskOutcome outcome,
        CancellationToken leaseLost = default)
    {
        var startedAt = _time.GetTimestamp();
        var failures = 0;
        while (true)
        {
            // Each try runs under a time-out of its own, never the stopping token: a stop request must not lose
            // a finished result (Hangfire records the final state under the shutdown token only, for the same
            // reason). The first try always gets the full OutcomeTimeout, retries only what is left of the budget,
            // so a stop still ends within WorkerOptions.WorstCaseStopTime.
            var tryTimeout = failures == 0 ? _options.OutcomeTimeout : Clamp(RecordingTimeLeft(startedAt), MinTryTimeout, _options.OutcomeTimeout);
            using var timeout = new CancellationTokenSource(tryTimeout, _time);
            try
            {
                await record(timeout.Token).ConfigureAwait(false);
                if (failures > 0)
                    _logger.LogInformation("Recorded {Action} of task {TaskId} of queue {Queue} from worker {WorkerId} after {Failures} failed tries",
                        action, lease.TaskId, lease.Type, lease.WorkerId, failures);
                return outcome;
            }
            catch (QueueStoreException ex) when (ex.Error is StoreError.LeaseNotHeld or StoreError.NotFound)
            {
                // At-least-once: the reaper gave the task to another run. After a failed try this may also be
                // that try having applied before its answer was lost; the store cannot tell us which.
                _logger.LogWarning("Could not {Action} task {TaskId} of queue {Queue} from worker {WorkerId}: the lease was lost{Hint}; {Reason}",
                    action, lease.TaskId, lease.Type, lease.WorkerId,
                    failures > 0 ? " (or an earlier try that met the outage did apply)" : "", ex.Message);
                return TaskOutcome.Lost;
            }
            catch (Exception ex) when (IsTransient(ex, timeout.Token))
            {
                failures++;
                var delay = Min(FailureStreak.Exponential(failures, FirstRecordRetryDelay, MaxRecordRetryDelay), RecordingTimeLeft(startedAt));
                if (delay <= TimeSpan.Zero || leaseLost.IsCancellationRequested)
                    return GiveUp(lease, action, failures, ex);
                if (failures == 1)
                    _logger.LogWarning(ex, "Could not {Action} task {TaskId} of queue {Queue} from worker {WorkerId}; retrying while its lease may still be held",
                        action, lease.TaskId, lease.Type, lease.WorkerId);
                else
                    _logger.LogDebug(ex, "{Action} of task {TaskId} still failing ({Failures} tries)", action, lease.TaskId, failures);
                if (!await WaitBeforeRetryAsync(delay, leaseLost).ConfigureAwait(false) || RecordingTimeLeft(startedAt) <= TimeSpan.Zero)
                    return GiveUp(lease, action, failures, ex);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Could not {Action} task {TaskId} of queue {Queue} from worker {WorkerId}; its lease will expire and the reaper will re-queue it",
                    action, lease.TaskId, lease.Type, lease.WorkerId);
                return TaskOutcome.Lost;
            }
        }
    }

    private TaskOutcome GiveUp(TaskLease lease, string action, int failures, Exception last)
    {
        _logger.LogError(last, "Gave up trying to {Action} task {TaskId} of queue {Queue} from worker {WorkerId} after {Failures} tries; its lease will expire and the reaper will re-queue it",
            action, lease.TaskId, lease.Type, lease.WorkerId, failures);
        return TaskOutcome.Lost;
    }

    /// <summary>
    /// How much longer recording may be retried. While running: as long as the lease can still be ours,
    /// <see cref="WorkerOptions.LeaseDuration"/> from the first try (heartbeats keep renewing it meanwhile;
    /// when the store is down they fail too, and the lease runs out within that time of the last renewal).
    /// Once stopping: no later than <see cref="WorkerOptions.ShutdownGracePeriod"/> + <see cref="WorkerOptions.OutcomeTimeout"/>
    /// after the stop, so the process still exits.
    /// </summary>
    private TimeSpan RecordingTimeLeft(long startedAt)
    {
        var left = _options.LeaseDuration - _time.GetElapsedTime(startedAt);
        var stopAt = Interlocked.Read(ref _stopRequestedAt);
        if (stopAt != NotStopping)
            left = Min(left, _options.ShutdownGracePeriod + _options.OutcomeTimeout - _time.GetElapsedTime(stopAt));
        return left;
    }

    /// <summary>Waits out a backoff; wakes early on a stop (the budget shrinks) and gives up on a lost lease.</summary>
    /// <returns>False when the lease was lost meanwhile.</returns>
    private async Task<bool> WaitBeforeRetryAsync(TimeSpan delay, CancellationToken leaseLost)
    {
        // Only a stop still to come can wake the wait: linking one already requested would end every wait at once.
        var stopping = _stopping.IsCancellationRequested ? CancellationToken.None : _stopping;
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(leaseLost, stopping);
        try
        {
            await Task.Delay(delay, _time, wake.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (wake.IsCancellationRequested)
        {
        }
        return !leaseLost.IsCancellationRequested;
    }

    private static bool IsTransient(Exception exception, CancellationToken tryTimeout) => exception switch
    {
        QueueStoreException store => store.Error == StoreError.Unavailable,
        TimeoutException => true,
        OperationCanceledException => tryTimeout.IsCancellationRequested,
        _ => false,
    };

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;
}
