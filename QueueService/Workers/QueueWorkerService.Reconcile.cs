using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using QueueService.Stores;

namespace QueueService.Workers;

// After an outage: the leases the store holds for this worker, against the tasks it runs (docs/failover.md,
// "Workers hold outcomes and reconcile leases"). A restore after Redis lost its data brings back, under this
// worker's lease, tasks it finished since the snapshot: they are recorded again, not run again. A lease it does
// not know is handed back at once instead of waiting for the reaper.
public sealed partial class QueueWorkerService
{
    private const long Never = long.MinValue;

    // When a store call of this worker last failed as unavailable (a TimeProvider timestamp), or Never.
    private long _lastUnavailableAt = Never;
    // Held by a lease call until its leases count as in flight, and by a reconcile while it reads both: a lease
    // taken meanwhile would look held-but-not-running and be handed back.
    private readonly SemaphoreSlim _leaseGate = new(1, 1);
    // The tasks whose lease is being recorded again or handed back, so a later tick does not start a second.
    private readonly ConcurrentDictionary<string, Task> _reconciling = new(StringComparer.Ordinal);
    // Set until the first reconcile that reached the store (registry loop only).
    private bool _isStartReconcilePending = true;

    private void NoteUnavailable() => Interlocked.Exchange(ref _lastUnavailableAt, _time.GetTimestamp());

    private void NoteIfUnavailable(Exception exception)
    {
        if (exception is QueueStoreException { Error: StoreError.Unavailable } or TimeoutException)
            NoteUnavailable();
    }

    /// <summary>Whether a store call of this worker failed as unavailable within <paramref name="window"/>.</summary>
    private bool WasUnavailableWithin(TimeSpan window)
    {
        var at = Interlocked.Read(ref _lastUnavailableAt);
        return at != Never && _time.GetElapsedTime(at) <= window;
    }

    /// <summary>
    /// At start-up (until one reconcile reached the store), and for <see cref="WorkerOptions.ReconcileWindow"/> after
    /// any store call failed as unavailable: lists this worker's leases and, for each task it does not run, records
    /// the remembered outcome of that lease again or hands the task back. The recordings run in the background (they
    /// hold through an outage like any recording). Never throws; failures are logged once per streak.
    /// </summary>
    private async Task ReconcileIfDueAsync(FailureStreak failures, CancellationToken stop)
    {
        if (!_isStartReconcilePending && !WasUnavailableWithin(_options.ReconcileWindow))
            return;
        using var timeout = new CancellationTokenSource(_options.OutcomeTimeout, _time);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token);
        IReadOnlyList<TaskLease> held;
        HashSet<string> running;
        try
        {
            await _leaseGate.WaitAsync(bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            return; // a lease call is taking long (an outage?): the next tick tries again
        }
        try
        {
            running = _state.InFlightTaskIds.ToHashSet(StringComparer.Ordinal);
            held = await _store.ListLeasesAsync(_options.WorkerId, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            // A store failure as the stop comes lands here too: the registry must still wait for reconciles and unregister.
            if (ex is OperationCanceledException)
            {
                // Our time-out: the store did not answer, which is an outage, not a fault (a Warning, not an Error).
                NoteUnavailable();
                ex = new QueueStoreException(StoreError.Unavailable, $"the store did not answer within {_options.OutcomeTimeout}", inner: ex);
            }
            else NoteIfUnavailable(ex);
            failures.Failed(ex);
            return;
        }
        finally
        {
            _leaseGate.Release();
        }
        failures.Succeeded();
        _isStartReconcilePending = false;
        foreach (var lease in held)
        {
            if (running.Contains(lease.TaskId) || _reconciling.ContainsKey(lease.TaskId))
                continue;
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var run = Task.Run(async () =>
            {
                await start.Task.ConfigureAwait(false);
                await ReconcileLeaseAsync(lease).ConfigureAwait(false);
            }, CancellationToken.None);
            // Claimed before it runs, so its own removal at the end cannot come first. Only this loop adds.
            _reconciling[lease.TaskId] = run;
            start.SetResult();
        }
    }

    private async Task ReconcileLeaseAsync(TaskLease held)
    {
        try
        {
            if (_recentOutcomes.Find(held.TaskId, held.LeaseToken) is { } remembered)
            {
                var outcome = await RecordAsync(remembered.Lease, remembered.Outcome).ConfigureAwait(false);
                if (outcome == TaskOutcome.Lost) return; // RecordAsync said why
                _logger.LogInformation("Task {TaskId} of queue {Queue}: worker {WorkerId} re-recorded its {Action} (attempt {Attempt}) after the store lost it",
                    held.TaskId, held.Type, held.WorkerId, remembered.Outcome.Action, held.Attempt);
                _metrics.Reconciled(held, WorkerMetrics.ReRecordedReason);
            }
            else
            {
                _logger.LogInformation("Task {TaskId} of queue {Queue}: the store holds a lease of worker {WorkerId} (attempt {Attempt}) that it does not run and has no outcome for; handing the task back",
                    held.TaskId, held.Type, held.WorkerId, held.Attempt);
                if (await RecordAsync(held, HeldOutcome.Released).ConfigureAwait(false) == TaskOutcome.Released)
                    _metrics.Reconciled(held, WorkerMetrics.HandedBackReason);
            }
        }
        catch (Exception ex)
        {
            // RecordAsync never throws; this is a bug, and must not take anything down.
            _logger.LogError(ex, "Unexpected error reconciling the lease of task {TaskId} of queue {Queue} on worker {WorkerId}", held.TaskId, held.Type, held.WorkerId);
        }
        finally
        {
            _reconciling.TryRemove(held.TaskId, out _);
        }
    }

    /// <summary>Waits for the leases being recorded again or handed back (they end within the stop's budget, as any recording).</summary>
    private async Task WaitForReconcilingAsync()
    {
        var runs = _reconciling.Values.ToArray();
        if (runs.Length > 0)
            await Task.WhenAll(runs).ConfigureAwait(false); // never throws: ReconcileLeaseAsync catches everything
    }
}
