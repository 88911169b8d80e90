using Microsoft.Extensions.Logging;
using QueueService.Stores;
using QueueService.Tasks;

namespace QueueService.Workers;

// One task's run: handler, heartbeats, its tokens, and recording how it ended.
public sealed partial class QueueWorkerService
{
    private enum HandlerEnd
    {
        Returned,
        Threw,
        Stopped, // our own token fired
    }

    private async Task RunTaskAsync(TaskLease lease, WorkerSlot slot)
    {
        var outcome = TaskOutcome.Lost;
        var startedAt = _time.GetTimestamp();
        _metrics.Started(lease, _time.GetUtcNow());
        try
        {
            outcome = await RunTaskCoreAsync(lease, slot).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A bug in the runner must not take the loop down; the lease expires and the reaper re-queues the task.
            _logger.LogError(ex, "Unexpected error running task {TaskId} of queue {Queue} on worker {WorkerId}", lease.TaskId, lease.Type, lease.WorkerId);
        }
        finally
        {
            // Only once the task can never run again: a failed or cancelled one may still be retried by an
            // operator (the retention sweep deletes its files once it is purged); a retry, a hand-back or a
            // lost lease needs the files again.
            if (outcome is TaskOutcome.Completed)
                _spool.Delete(lease.TaskId);
            _state.Finished(lease.TaskId, outcome);
            _metrics.Ended(lease, outcome, _time.GetElapsedTime(startedAt));
            // Its slot is free now, unless the loop freed it already when it took the completion (and is awake anyway).
            if (slot.TryFree())
            {
                Interlocked.Decrement(ref _busySlots);
                WakeLoop();
            }
        }
    }

    private async Task<TaskOutcome> RunTaskCoreAsync(TaskLease lease, WorkerSlot slot)
    {
        if (!_handlers.TryGetValue(lease.Type, out var handler))
        {
            var failure = new TaskFailure($"Worker {lease.WorkerId} has no handler for queue '{lease.Type}'.", IsRetryable: false);
            return await RecordAsync(lease, HeldOutcome.Failed(failure)).ConfigureAwait(false);
        }

        using var userCancel = new CancellationTokenSource();
        using var leaseLost = new CancellationTokenSource();
        using var stopHeartbeat = new CancellationTokenSource();
        // Stopped by disposing it (its wait then ends with false), not by a token: a cancelled wait throws, and an
        // exception per task was the worker's largest cost on short tasks (bench/).
        var heartbeatTimer = new PeriodicTimer(_options.HeartbeatInterval, _time);

        // Heartbeats run until the outcome is recorded, even after a cancel: the lease must stay ours while
        // the handler winds down and while recording retries, so the reaper does not hand the task to
        // another worker meanwhile. A prefetched task's heartbeats start while it waits for a handler.
        var heartbeat = HeartbeatAsync(lease, heartbeatTimer, userCancel, leaseLost, stopHeartbeat.Token);
        try
        {
            if (_handlerSlots is { } handlers && !await WaitForHandlerAsync(handlers, userCancel, leaseLost).ConfigureAwait(false))
                return await GiveBackUnstartedAsync(lease, userCancel, leaseLost).ConfigureAwait(false);
            return await RunStartedAsync(lease, slot, handler, userCancel, leaseLost).ConfigureAwait(false);
        }
        finally
        {
            heartbeatTimer.Dispose();
            await stopHeartbeat.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false); // never throws
        }
    }

    /// <summary>
    /// A prefetched task waits for one of the <see cref="WorkerOptions.Concurrency"/> handlers; false when a cancel, a lost
    /// lease, the stop or <see cref="WorkerOptions.PrefetchWaitLimit"/> came first.
    /// </summary>
    private async Task<bool> WaitForHandlerAsync(SemaphoreSlim handlers, CancellationTokenSource userCancel, CancellationTokenSource leaseLost)
    {
        if (handlers.Wait(0)) return true;
        using var limit = new CancellationTokenSource(_options.PrefetchWaitLimit, _time);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(userCancel.Token, leaseLost.Token, limit.Token, _graceExpired.Token, _stopping);
        try
        {
            await handlers.WaitAsync(waiting.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (waiting.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// A prefetched task that never started: cancelled as asked, handed back at a stop or after
    /// <see cref="WorkerOptions.PrefetchWaitLimit"/> (its place and attempt kept), or dropped with a lost lease.
    /// </summary>
    private async Task<TaskOutcome> GiveBackUnstartedAsync(TaskLease lease, CancellationTokenSource userCancel, CancellationTokenSource leaseLost)
    {
        if (leaseLost.IsCancellationRequested) return TaskOutcome.Lost;
        if (userCancel.IsCancellationRequested) return await RecordAsync(lease, HeldOutcome.CancelConfirmed).ConfigureAwait(false);
        if (!_stopping.IsCancellationRequested)
            _logger.LogInformation("Task {TaskId} of queue {Queue} handed back unstarted by worker {WorkerId}: it waited {PrefetchWaitLimit} for a handler",
                lease.TaskId, lease.Type, lease.WorkerId, _options.PrefetchWaitLimit);
        return await RecordAsync(lease, HeldOutcome.Released).ConfigureAwait(false);
    }

    /// <summary>Runs the handler (holding one of the handlers with <see cref="WorkerOptions.Prefetch"/>, freed as soon as it ends), then records how it ended.</summary>
    private async Task<TaskOutcome> RunStartedAsync(TaskLease lease, WorkerSlot slot, ITaskHandler handler, CancellationTokenSource userCancel,
        CancellationTokenSource leaseLost)
    {
        (HandlerEnd End, string? Result, Exception? Error) ended;
        using var timedOut = new CancellationTokenSource(_options.MaxProcessingTime, _time);
        try
        {
            ended = await RunHandlerCoreAsync(lease, handler, userCancel, leaseLost, timedOut).ConfigureAwait(false);
        }
        finally
        {
            // The next waiting task may start while this one's outcome is recorded.
            _handlerSlots?.Release();
        }
        // Checkpoint: the handler has ended (or was abandoned). Heartbeats go on until exactly one
        // outcome is recorded, so the lease stays ours while recording retries through an outage.
        // If recording gives up, the lease expires and the reaper re-queues the task: the attempt
        // is at worst repeated (at-least-once), never lost.
        return await RecordEndAsync(lease, slot, ended.End, ended.Result, ended.Error, userCancel, timedOut, leaseLost).ConfigureAwait(false);
    }

    private async Task<(HandlerEnd End, string? Result, Exception? Error)> RunHandlerCoreAsync(TaskLease lease, ITaskHandler handler,
        CancellationTokenSource userCancel, CancellationTokenSource leaseLost, CancellationTokenSource timedOut)
    {
        using var taskToken = CancellationTokenSource.CreateLinkedTokenSource(
            userCancel.Token, leaseLost.Token, timedOut.Token, _graceExpired.Token);
        var progressFailures = new FailureStreak(_logger, _time, new TaskActivity("Progress reports", lease),
            "reports are dropped until one is recorded");
        var context = new TaskContext(lease.TaskId, lease.Type, lease.PayloadJson, lease.Attempt, lease.MaxRetries, lease.WorkerId,
            (progress, ct) => ReportProgressAsync(lease, progress, leaseLost, progressFailures, ct), taskToken.Token);
        if (_logger.IsEnabled(LogLevel.Debug)) // the arguments are boxed into an array before the level is checked
            _logger.LogDebug("Task {TaskId} of queue {Queue} started on worker {WorkerId} (attempt {Attempt})",
                lease.TaskId, lease.Type, lease.WorkerId, lease.Attempt);

        return await RunHandlerAsync(handler, context, lease).ConfigureAwait(false);
    }

    private async Task<(HandlerEnd End, string? Result, Exception? Error)> RunHandlerAsync(ITaskHandler handler, TaskContext context, TaskLease lease)
    {
        // Task.Run: a handler that blocks before its first await must not hold up the loop or the heartbeats.
        var run = Task.Run(() => handler.HandleAsync(context), CancellationToken.None);
        var token = context.CancellationToken;
        try
        {
            return (HandlerEnd.Returned, await run.WaitAsync(token).ConfigureAwait(false), null);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Our token fired: the handler stopped because of it, or has not noticed yet (WaitAsync gave up).
            // Any other exception, even one thrown after our token fired, is the handler's own error below.
        }
        catch (Exception ex)
        {
            return (HandlerEnd.Threw, null, ex);
        }

        try
        {
            // The work finished regardless of the cancel: keep it.
            var result = await run.WaitAsync(_options.OutcomeTimeout, _time).ConfigureAwait(false);
            return (HandlerEnd.Returned, result, null);
        }
        catch (TimeoutException) when (!run.IsCompleted)
        {
            _logger.LogWarning("Task {TaskId} of queue {Queue}: the handler ignored cancellation for {OutcomeTimeout} on worker {WorkerId}; abandoning it",
                lease.TaskId, lease.Type, _options.OutcomeTimeout, lease.WorkerId);
            ObserveLater(run);
        }
        catch (OperationCanceledException)
        {
            // It stopped as asked (our token is cancelled, so this is ours).
        }
        catch (Exception ex)
        {
            // A real error (a PermanentTaskException for a poison task) outranks the stop: record it as such.
            return (HandlerEnd.Threw, null, ex);
        }
        return (HandlerEnd.Stopped, null, null);
    }

    private async Task HeartbeatAsync(TaskLease lease, PeriodicTimer timer, CancellationTokenSource userCancel, CancellationTokenSource leaseLost,
        CancellationToken stop)
    {
        // Once when heartbeats start failing and once when one gets through: an outage is one warning per
        // task, not one per heartbeat.
        var failures = new FailureStreak(_logger, _time, new TaskActivity("Heartbeats", lease),
            "renewing the lease at each heartbeat while it lasts");
        try
        {
            // The runner disposes the timer to stop the heartbeats: the wait then answers false.
            while (await timer.WaitForNextTickAsync(CancellationToken.None).ConfigureAwait(false) && !stop.IsCancellationRequested)
            {
                try
                {
                    var beat = await _store.HeartbeatAsync(lease, _options.LeaseDuration, stop).ConfigureAwait(false);
                    failures.Succeeded();
                    if (beat.IsCancelRequested && !userCancel.IsCancellationRequested)
                    {
                        _logger.LogInformation("Task {TaskId} of queue {Queue}: cancel requested; stopping its handler on worker {WorkerId}", lease.TaskId, lease.Type, lease.WorkerId);
                        await userCancel.CancelAsync().ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (stop.IsCancellationRequested)
                {
                    // The outcome is recorded (or given up on): a late answer, even LeaseNotHeld for the lease
                    // our own completion just ended, changes nothing and must not escape.
                    _logger.LogDebug(ex, "Heartbeat of task {TaskId} of queue {Queue} failed after its outcome was recorded on worker {WorkerId}; ignored",
                        lease.TaskId, lease.Type, lease.WorkerId);
                    return;
                }
                catch (QueueStoreException ex) when (ex.Error is StoreError.NotFound && IsHeartbeatHoldingOn(failures))
                {
                    // After an outage: Redis may be back empty, the restore that brings this lease back still to
                    // come. Keep the handler running and keep trying, as through the outage itself.
                    failures.Failed(ex);
                }
                catch (QueueStoreException ex) when (ex.Error is StoreError.LeaseNotHeld or StoreError.NotFound)
                {
                    await leaseLost.CancelAsync().ConfigureAwait(false);
                    return;
                }
                catch (Exception ex)
                {
                    // Keep trying: the lease lasts LeaseDuration, several heartbeats; if it runs out meanwhile
                    // the next heartbeat that gets through renews it unless the reaper took it (LeaseNotHeld).
                    NoteIfUnavailable(ex);
                    failures.Failed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Cancelling the user-cancel or lease-lost source runs the handler's callbacks, which may throw.
            _logger.LogError(ex, "Heartbeats of task {TaskId} of queue {Queue} stopped on worker {WorkerId}", lease.TaskId, lease.Type, lease.WorkerId);
        }
    }

    /// <summary>
    /// Whether a heartbeat's <see cref="StoreError.NotFound"/> is held on to (as <see cref="IsHoldingOn"/>): after an
    /// outage, and for at most <see cref="WorkerOptions.OutcomeHoldTime"/> from the first failure of the streak.
    /// </summary>
    private bool IsHeartbeatHoldingOn(FailureStreak failures) =>
        (failures.Count > 0 || WasUnavailableWithin(_options.OutcomeHoldTime)) && failures.Elapsed < _options.OutcomeHoldTime;

    private async Task ReportProgressAsync(TaskLease lease, TaskProgress progress, CancellationTokenSource leaseLost, FailureStreak failures,
        CancellationToken cancellationToken)
    {
        try
        {
            await _store.ReportProgressAsync(lease, progress, cancellationToken).ConfigureAwait(false);
            // A handler may report from several threads; the streak is not thread-safe.
            lock (failures) failures.Succeeded();
        }
        catch (QueueStoreException ex) when (ex.Error is StoreError.NotFound && IsHoldingOn(failures: 0))
        {
            // After an outage the store may be back empty, not yet restored: the heartbeats decide whether the
            // lease is lost (they hold on as long as recording would); the report is dropped.
            lock (failures) failures.Failed(ex);
        }
        catch (QueueStoreException ex) when (ex.Error is StoreError.LeaseNotHeld or StoreError.NotFound)
        {
            await leaseLost.CancelAsync().ConfigureAwait(false);
            throw;
        }
        catch (QueueStoreException ex) when (ex.Error is StoreError.Unavailable)
        {
            // Progress is advisory: an outage must not fail work that is otherwise going well. Logged once per outage.
            NoteUnavailable();
            lock (failures) failures.Failed(ex);
        }
    }

    private static void ObserveLater(Task abandoned) =>
        abandoned.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
}
