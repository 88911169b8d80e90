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

    private async Task<TaskOutcome> RecordEndAsync(TaskLease lease, WorkerSlot slot, HandlerEnd end, string? result, Exception? error,
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
                return await RecordAsync(lease, HeldOutcome.Completed(result), slot, lost).ConfigureAwait(false);
            case HandlerEnd.Threw when error is PermanentTaskException:
                _logger.LogWarning(error, "Task {TaskId} of queue {Queue} failed permanently on worker {WorkerId}", lease.TaskId, lease.Type, lease.WorkerId);
                return await RecordAsync(lease, HeldOutcome.Failed(new TaskFailure(error.Message, IsRetryable: false)), leaseLost: lost).ConfigureAwait(false);
            case HandlerEnd.Threw:
                _logger.LogWarning(error, "Task {TaskId} of queue {Queue} failed on worker {WorkerId} (attempt {Attempt})", lease.TaskId, lease.Type, lease.WorkerId, lease.Attempt);
                return await RecordAsync(lease, HeldOutcome.Failed(new TaskFailure($"{error!.GetType().Name}: {error.Message}")), leaseLost: lost).ConfigureAwait(false);
        }

        // Stopped by one of our tokens. A user's cancel wins over a time-out, which wins over shutdown.
        if (userCancel.IsCancellationRequested)
        {
            _logger.LogInformation("Task {TaskId} of queue {Queue} cancelled by request on worker {WorkerId}", lease.TaskId, lease.Type, lease.WorkerId);
            return await RecordAsync(lease, HeldOutcome.CancelConfirmed, leaseLost: lost).ConfigureAwait(false);
        }
        if (timedOut.IsCancellationRequested)
        {
            _logger.LogWarning("Task {TaskId} of queue {Queue} ran past the maximum processing time {MaxProcessingTime} on worker {WorkerId}",
                lease.TaskId, lease.Type, _options.MaxProcessingTime, lease.WorkerId);
            var failure = new TaskFailure($"The attempt ran longer than the maximum processing time ({_options.MaxProcessingTime}).", TaskErrorKinds.Timeout);
            return await RecordAsync(lease, HeldOutcome.Failed(failure), leaseLost: lost).ConfigureAwait(false);
        }
        _logger.LogInformation("Task {TaskId} of queue {Queue} handed back unfinished by worker {WorkerId} at shutdown", lease.TaskId, lease.Type, lease.WorkerId);
        return await RecordAsync(lease, HeldOutcome.Released, leaseLost: lost).ConfigureAwait(false);
    }

    /// <summary>
    /// Records an attempt's outcome; never throws. An unreachable store (<see cref="StoreError.Unavailable"/>,
    /// a time-out) is retried with capped exponential backoff, holding the outcome through the outage, until it
    /// is recorded, the store refuses it (<see cref="StoreError.LeaseNotHeld"/>; <see cref="StoreError.NotFound"/>
    /// unless the store was just unavailable: see <see cref="IsHoldingOn"/>), the heartbeat learns the lease was
    /// lost (<paramref name="leaseLost"/>), or <see cref="RecordingTimeLeft"/> runs out. The outcome is then
    /// remembered (<see cref="RecentOutcomes"/>) unless the store refused it outright.
    /// </summary>
    /// <param name="lease">The attempt's lease.</param>
    /// <param name="outcome">How it ended.</param>
    /// <param name="leaseLost">Fires when the heartbeats learn the lease was lost.</param>
    /// <param name="slot">A runner's own completion, with the runner's slot: it goes with the lease loop's next call, which fills the slot again.</param>
    private async Task<TaskOutcome> RecordAsync(TaskLease lease, HeldOutcome outcome, WorkerSlot? slot = null, CancellationToken leaseLost = default)
    {
        var action = outcome.Action;
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
            Exception failed;
            try
            {
                var recorded = await ApplyAsync(lease, outcome, slot, timeout.Token).ConfigureAwait(false);
                Remember(lease, outcome);
                if (failures > 0)
                    _logger.LogInformation("Recorded {Action} of task {TaskId} of queue {Queue} from worker {WorkerId} after {Failures} failed tries in {Held}",
                        action, lease.TaskId, lease.Type, lease.WorkerId, failures, _time.GetElapsedTime(startedAt));
                return recorded;
            }
            catch (QueueStoreException ex) when (ex.Error is StoreError.NotFound && IsHoldingOn(failures))
            {
                // Redis came back empty after the outage and the restore has not brought the task back yet.
                failed = ex;
            }
            catch (QueueStoreException ex) when (ex.Error is StoreError.LeaseNotHeld or StoreError.NotFound)
            {
                // At-least-once: the reaper gave the task to another run. After a failed try this may also be
                // that try having applied before its answer was lost; the store cannot tell us which, so the
                // outcome is remembered in case a restore brings this lease back.
                if (failures > 0) Remember(lease, outcome);
                _logger.LogWarning("Could not {Action} task {TaskId} of queue {Queue} from worker {WorkerId}: the lease was lost{Hint}; {Reason}",
                    action, lease.TaskId, lease.Type, lease.WorkerId,
                    failures > 0 ? " (or an earlier try that met the outage did apply)" : "", ex.Message);
                return TaskOutcome.Lost;
            }
            catch (Exception ex) when (IsTransient(ex, timeout.Token))
            {
                NoteUnavailable();
                failed = ex;
            }
            catch (CompletionQueue.SharedCallFailedException ex)
            {
                _logger.LogWarning(ex.InnerException, "Could not {Action} task {TaskId} of queue {Queue} from worker {WorkerId} with the lease call; recording it alone",
                    action, lease.TaskId, lease.Type, lease.WorkerId);
                slot = null; // at once, and never through the shared call again
                failures++;
                continue;
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Could not {Action} task {TaskId} of queue {Queue} from worker {WorkerId}; its lease will expire and the reaper will re-queue it",
                    action, lease.TaskId, lease.Type, lease.WorkerId);
                return TaskOutcome.Lost;
            }

            failures++;
            var delay = Min(FailureStreak.Exponential(failures, FirstRecordRetryDelay, MaxRecordRetryDelay), RecordingTimeLeft(startedAt));
            if (delay <= TimeSpan.Zero || leaseLost.IsCancellationRequested)
                return GiveUp(lease, outcome, failures, failed);
            if (failures == 1)
                _logger.LogWarning(failed, "Could not {Action} task {TaskId} of queue {Queue} from worker {WorkerId}{Why}; holding the outcome and retrying for up to {HoldTime}",
                    action, lease.TaskId, lease.Type, lease.WorkerId,
                    failed is QueueStoreException { Error: StoreError.NotFound } ? ": the store does not hold the task (back empty after an outage, not yet restored?)" : "",
                    RecordingTimeLeft(startedAt));
            else
                _logger.LogDebug(failed, "{Action} of task {TaskId} still failing ({Failures} tries)", action, lease.TaskId, failures);
            if (!await WaitBeforeRetryAsync(delay, leaseLost).ConfigureAwait(false) || RecordingTimeLeft(startedAt) <= TimeSpan.Zero)
                return GiveUp(lease, outcome, failures, failed);
        }
    }

    /// <summary>One try at recording <paramref name="outcome"/>.</summary>
    /// <returns>How the attempt ended, as the store took it.</returns>
    private async Task<TaskOutcome> ApplyAsync(TaskLease lease, HeldOutcome outcome, WorkerSlot? slot, CancellationToken cancellationToken)
    {
        switch (outcome.Kind)
        {
            case HeldOutcomeKind.Completed when slot is not null && _completions.TrySubmit(new TaskCompletion(lease, outcome.ResultJson), slot, cancellationToken, out var recorded):
                WakeLoop();
                await recorded.ConfigureAwait(false);
                return TaskOutcome.Completed;
            case HeldOutcomeKind.Completed:
                await _store.CompleteAsync(lease, outcome.ResultJson, cancellationToken).ConfigureAwait(false);
                return TaskOutcome.Completed;
            case HeldOutcomeKind.Failed:
                var after = await _store.FailAsync(lease, outcome.Failure!, cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("Task {TaskId} of queue {Queue} is now {Status} (retry at {RetryAt}) after attempt {Attempt} on worker {WorkerId}",
                    lease.TaskId, lease.Type, after.Status.ToWire(), after.RetryAt, lease.Attempt, lease.WorkerId);
                return after.Status == QueueTaskStatus.Failed ? TaskOutcome.Failed : TaskOutcome.FailedWillRetry;
            case HeldOutcomeKind.CancelConfirmed:
                await _store.ConfirmCancelAsync(lease, cancellationToken).ConfigureAwait(false);
                return TaskOutcome.Cancelled;
            default:
                await _store.ReleaseAsync(lease, cancellationToken).ConfigureAwait(false);
                return TaskOutcome.Released;
        }
    }

    /// <summary>
    /// Whether a <see cref="StoreError.NotFound"/> answer is held on to rather than taken as a lost lease: after
    /// an outage, when this recording already met the store unavailable, or any store call of this worker did
    /// within <see cref="WorkerOptions.OutcomeHoldTime"/>. Redis may then have come back empty, and the restore
    /// that brings the task back under this lease may still be to come. Outside an outage a processing task
    /// cannot vanish (only finished ones are purged), so NotFound means the lease is gone.
    /// </summary>
    private bool IsHoldingOn(int failures) => failures > 0 || WasUnavailableWithin(_options.OutcomeHoldTime);

    private void Remember(TaskLease lease, HeldOutcome outcome)
    {
        if (!_recentOutcomes.Remember(lease, outcome))
            _logger.LogDebug("The outcome of task {TaskId} ({Action}) is not remembered: it is larger than the worker keeps, or retention is off",
                lease.TaskId, outcome.Action);
    }

    private TaskOutcome GiveUp(TaskLease lease, HeldOutcome outcome, int failures, Exception last)
    {
        // Kept: if the store comes back holding this lease (a restore), reconciling records it after all.
        Remember(lease, outcome);
        _logger.LogError(last, "Gave up trying to {Action} task {TaskId} of queue {Queue} from worker {WorkerId} after {Failures} tries; its lease will expire and the reaper will re-queue it",
            outcome.Action, lease.TaskId, lease.Type, lease.WorkerId, failures);
        return TaskOutcome.Lost;
    }

    /// <summary>
    /// How much longer recording may be retried. While running: <see cref="WorkerOptions.OutcomeHoldTime"/> (at
    /// least <see cref="WorkerOptions.LeaseDuration"/>) from the first try. Heartbeats keep renewing the lease
    /// meanwhile; when the store is down they fail too, and the lease may run out, but a lease the reaper has not
    /// reclaimed yet still takes the outcome (the API's reaper waits a grace after an outage), and a restore after
    /// Redis lost its data brings the lease back for the worker to finish. Once stopping: no later than <see cref="WorkerOptions.ShutdownGracePeriod"/> + <see cref="WorkerOptions.OutcomeTimeout"/>
    /// after the stop, so the process still exits.
    /// </summary>
    private TimeSpan RecordingTimeLeft(long startedAt)
    {
        var left = Max(_options.OutcomeHoldTime, _options.LeaseDuration) - _time.GetElapsedTime(startedAt);
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

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;
}
