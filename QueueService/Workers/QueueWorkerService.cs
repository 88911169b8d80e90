using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QueueService.Spool;
using QueueService.Stores;

namespace QueueService.Workers;

/// <summary>
/// The processing loop: leases tasks from the store while slots are free, runs each in its own
/// runner (<c>QueueWorkerService.Runner.cs</c>), and on stop hands back what did not finish in time.
/// </summary>
/// <remarks>
/// Tokens, as Hangfire's <c>BackgroundProcessContext</c> keeps them apart: the host's stopping token
/// means "lease nothing new"; <see cref="_graceExpired"/> means "the grace period is over, cancel the
/// running handlers and hand their tasks back"; each task adds its own (user cancel, maximum processing
/// time, lease lost), all linked into <see cref="TaskContext.CancellationToken"/>.
/// </remarks>
public sealed partial class QueueWorkerService : BackgroundService
{
    private static readonly TimeSpan MaxLeaseBackoff = TimeSpan.FromSeconds(30);
    // IQueueStore.LeaseAsync takes 1-1000 tasks per call; Concurrency may be up to 1024.
    private const int MaxLeasePerCall = 1000;

    private readonly IQueueStore _store;
    private readonly TaskSpool _spool;
    private readonly Dictionary<string, ITaskHandler> _handlers;
    private readonly WorkerOptions _options;
    private readonly WorkerState _state;
    private readonly TimeProvider _time;
    private readonly ILogger<QueueWorkerService> _logger;
    private readonly WorkerMetrics _metrics;
    private readonly CancellationTokenSource _graceExpired = new();
    private const long NotStopping = long.MinValue;
    // When the host asked to stop (a TimeProvider timestamp): bounds how long outcomes may still be retried.
    private long _stopRequestedAt = NotStopping;
    private CancellationToken _stopping;
    private readonly RecentOutcomes _recentOutcomes;
    // The handlers' completions, recorded by the lease loop with its next call (CompleteAndLeaseAsync).
    private readonly CompletionQueue _completions = new();
    // Released when a runner ends or queues a completion (WakeLoop): wakes the loop when every slot was busy.
    private readonly SemaphoreSlim _loopWake = new(0);
    // Slots held by runners (WorkerSlot): the loop leases only into free ones, Concurrency + Prefetch of them.
    private int _busySlots;
    // With Prefetch, the Concurrency handlers that may run at once; the other runners wait for one. Null without.
    private readonly SemaphoreSlim? _handlerSlots;

    /// <summary>Creates the loop. Its <see cref="WorkerMetrics"/> meter comes from <c>meterFactory</c> (the host's), or is its own when that is null.</summary>
    /// <exception cref="InvalidOperationException">Two handlers claim the same queue.</exception>
    public QueueWorkerService(IQueueStore store, IEnumerable<ITaskHandler> handlers, IOptions<WorkerOptions> options,
        WorkerState state, TaskSpool spool, TimeProvider time, ILogger<QueueWorkerService> logger,
        System.Diagnostics.Metrics.IMeterFactory? meterFactory = null)
    {
        _metrics = new WorkerMetrics(meterFactory);
        _store = store;
        _spool = spool;
        _options = options.Value;
        _state = state;
        _time = time;
        _logger = logger;
        _recentOutcomes = new RecentOutcomes(_options.RecentOutcomeRetention, time);
        _handlerSlots = _options.Prefetch > 0 ? new SemaphoreSlim(_options.Concurrency, _options.Concurrency) : null;
        _handlers = new Dictionary<string, ITaskHandler>(StringComparer.Ordinal);
        foreach (var handler in handlers)
        {
            if (!_handlers.TryAdd(handler.Queue, handler))
                throw new InvalidOperationException(
                    $"Two task handlers serve queue '{handler.Queue}': {_handlers[handler.Queue].GetType().Name} and {handler.GetType().Name}. Register one per queue.");
        }
    }

    /// <summary>The queues this worker leases from: the configured ones, else those of its handlers.</summary>
    public IReadOnlyList<string> Queues => _options.Queues.Count > 0
        ? _options.Queues.Distinct(StringComparer.Ordinal).ToArray()
        : _handlers.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queues = Queues;
        if (queues.Count == 0)
        {
            _logger.LogWarning("Worker {WorkerId} has no task handlers and no configured queues: it will not process anything", _options.WorkerId);
            return;
        }
        foreach (var queue in queues.Where(q => !_handlers.ContainsKey(q)))
            _logger.LogWarning("Worker {WorkerId} leases from queue {Queue} but has no handler for it: its tasks will fail", _options.WorkerId, queue);
        _logger.LogInformation("Worker {WorkerId} started on queues {Queues} with concurrency {Concurrency} (prefetch {Prefetch})",
            _options.WorkerId, queues, _options.Concurrency, _options.Prefetch);

        _stopping = stoppingToken;
        using var onStop = stoppingToken.Register(() => Interlocked.Exchange(ref _stopRequestedAt, _time.GetTimestamp()));
        var running = new List<Task>();
        // Not the stopping token: the registry keeps reporting the tasks that drain after a stop request.
        using var registryStop = new CancellationTokenSource();
        var registry = RunRegistryAsync(queues, _time.GetUtcNow(), registryStop.Token);
        try
        {
            await LeaseAndRunAsync(queues, running, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stop requested: lease nothing new; the running tasks are drained below.
        }
        finally
        {
            await RecordQueuedCompletionsAsync().ConfigureAwait(false);
            // Whatever ended the loop (a stop, or an error escaping it), the tasks in flight get their grace
            // and are handed back: skipping this would leave them to run on unsupervised until the reaper.
            await DrainAsync(running).ConfigureAwait(false);
            // Drained: nothing runs any more, so leave the registry (it never throws).
            await registryStop.CancelAsync().ConfigureAwait(false);
            await registry.ConfigureAwait(false);
            // Outcomes being recorded again after a restore: bounded by the stop as any recording is.
            await WaitForReconcilingAsync().ConfigureAwait(false);
            await UnregisterAsync().ConfigureAwait(false);
            _logger.LogInformation("Worker {WorkerId} stopped: {Completed} completed, {Failed} failed, {Cancelled} cancelled, {Released} handed back",
                _options.WorkerId, _state.Completed, _state.Failed, _state.Cancelled, _state.Released);
        }
    }

    // A wake-up, not a count: the loop only waits on it when every slot is busy, and rescans everything when it wakes.
    // Released on every end, it would pile up permits while slots were free (and overflow at int.MaxValue); at most
    // a few stay (two wakers may both see none), and each costs the loop one extra pass.
    private void WakeLoop()
    {
        if (_loopWake.CurrentCount == 0) _loopWake.Release();
    }

    private async Task LeaseAndRunAsync(IReadOnlyList<string> queues, List<Task> running, CancellationToken stoppingToken)
    {
        var leaseFailures = new FailureStreak(_logger, _time, $"Leasing for worker {_options.WorkerId}");
        while (!stoppingToken.IsCancellationRequested)
        {
            running.RemoveAll(t => t.IsCompleted);
            var completions = _completions.Take(MaxLeasePerCall);
            // A runner whose completion is taken here is done with its slot, though it has not ended yet: the call below
            // fills the slot again.
            foreach (var pending in completions)
            {
                if (pending.Slot.TryFree()) Interlocked.Decrement(ref _busySlots);
            }
            var freeSlots = _options.Concurrency + _options.Prefetch - Volatile.Read(ref _busySlots);
            if (freeSlots <= 0 && completions.Count == 0)
            {
                // Every slot busy: a runner ending or a handler finishing wakes the loop.
                await _loopWake.WaitAsync(stoppingToken).ConfigureAwait(false);
                continue;
            }

            var wanted = Math.Clamp(Math.Min(freeSlots, _options.LeaseBatchSize ?? freeSlots), 0, MaxLeasePerCall);
            IReadOnlyList<TaskLease> leases;
            Exception? leaseError = null;
            // Reconciling must not see a lease this call took before it counts as in flight, or it would hand it back.
            // With completions taken, not the stopping token: they must reach the store (or their runners) either way.
            await _leaseGate.WaitAsync(completions.Count > 0 ? CancellationToken.None : stoppingToken).ConfigureAwait(false);
            try
            {
                // Not the stopping token: a lease that applied in the store must reach us, or the task sits in
                // processing until the reaper takes it back. A stop is handled just below.
                if (completions.Count == 0)
                {
                    leases = await _store.LeaseAsync(_options.WorkerId, queues, wanted, _options.LeaseDuration, CancellationToken.None)
                        .ConfigureAwait(false);
                }
                else
                {
                    // Checkpoint: the handlers of these completions have returned. One round trip records them and leases
                    // the tasks that take their slots; each completion's runner learns its own answer.
                    var result = await _store.CompleteAndLeaseAsync(completions.ConvertAll(p => p.Completion), _options.WorkerId, queues,
                        stoppingToken.IsCancellationRequested ? 0 : wanted, _options.LeaseDuration, CancellationToken.None).ConfigureAwait(false);
                    CompletionQueue.Resolve(completions, result.Refusals);
                    leases = result.Leases;
                }
                foreach (var lease in leases)
                    _state.Started(lease.TaskId);
            }
            catch (Exception ex)
            {
                leases = [];
                leaseError = ex;
                // Each runner decides for itself, as for a call of its own: hold and retry through an outage. Any other
                // failure need not be its completion's (a script error in the lease half, another task's completion):
                // each is tried again alone rather than given up with the rest.
                CompletionQueue.Fail(completions, ex is QueueStoreException { Error: StoreError.Unavailable } or TimeoutException
                    ? ex : new CompletionQueue.SharedCallFailedException(ex));
            }
            finally
            {
                _leaseGate.Release();
            }
            if (leaseError is not null)
            {
                // Backing off outside the gate: reconciling must not wait for it. A completion ends the wait early:
                // it is tried at once (its runner backs off itself), and the lease with it.
                NoteIfUnavailable(leaseError);
                leaseFailures.Failed(leaseError);
                await WaitForAsync(Task.Delay(leaseFailures.Backoff(_options.IdlePollInterval, MaxLeaseBackoff), _time, stoppingToken),
                    stoppingToken).ConfigureAwait(false);
                continue;
            }
            leaseFailures.Succeeded();

            if (stoppingToken.IsCancellationRequested)
            {
                // Leased as the stop came: hand them straight back, keeping their place in line.
                await Task.WhenAll(leases.Select(HandBackAsync)).ConfigureAwait(false);
                return;
            }
            foreach (var lease in leases)
            {
                var slot = new WorkerSlot();
                Interlocked.Increment(ref _busySlots);
                // Called here, not through Task.Run: a runner returns at its first await (the handler itself runs on
                // the thread pool), and a hop per task was a measurable cost at short tasks.
                running.Add(RunTaskAsync(lease, slot));
            }
            if (wanted == 0 || leases.Count == wanted)
                continue; // the queue may hold more (or every slot is busy): lease again before waiting

            // Lease first, then wait, then lease again: a task enqueued before the wait began was
            // already seen by the lease above, so no wake-up can be missed for long.
            try
            {
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var work = _store.WaitForWorkAsync(queues, _options.IdlePollInterval, wake.Token);
                await WaitForAsync(work, stoppingToken).ConfigureAwait(false);
                await wake.CancelAsync().ConfigureAwait(false);
                // A completion ending the wait cancels it, often once a task at partial load: not an exception each time.
                // A cancelled wait (that completion, or the stop) is done with; a failed one is handled below.
                await ((Task)work).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (work.IsFaulted) ExceptionDispatchInfo.Throw(work.Exception!.InnerException!);
            }
            catch (Exception ex)
            {
                // A stop may surface as a store error rather than a cancellation (a connection closing):
                // either way, stop leasing.
                if (stoppingToken.IsCancellationRequested) return;
                NoteIfUnavailable(ex);
                leaseFailures.Failed(ex);
                await WaitForAsync(Task.Delay(leaseFailures.Backoff(_options.IdlePollInterval, MaxLeaseBackoff), _time, stoppingToken),
                    stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits for <paramref name="wait"/>, or until a handler's completion is queued, or the stop; never throws.</summary>
    private async Task WaitForAsync(Task wait, CancellationToken stoppingToken)
    {
        if (_completions.HasWaiting) return;
        using var done = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var completion = _completions.WaitAsync(done.Token);
        await Task.WhenAny(wait, completion).ConfigureAwait(false);
        await done.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// After the loop stopped: completions queued before it closed are recorded here (no lease), so their runners
    /// need not wait out a try; runners that finish later record by themselves.
    /// </summary>
    private async Task RecordQueuedCompletionsAsync()
    {
        _completions.Close();
        while (_completions.Take(MaxLeasePerCall) is { Count: > 0 } completions)
        {
            try
            {
                var result = await _store.CompleteAndLeaseAsync(completions.ConvertAll(p => p.Completion), _options.WorkerId, Queues, 0,
                    _options.LeaseDuration, CancellationToken.None).ConfigureAwait(false);
                CompletionQueue.Resolve(completions, result.Refusals);
            }
            catch (Exception ex)
            {
                CompletionQueue.Fail(completions, ex);
            }
        }
    }

    private async Task HandBackAsync(TaskLease lease)
    {
        var outcome = await RecordAsync(lease, HeldOutcome.Released).ConfigureAwait(false);
        _state.Finished(lease.TaskId, outcome);
    }

    /// <summary>Waits for the running tasks up to the grace period, then cancels and hands back the rest.</summary>
    private async Task DrainAsync(List<Task> running)
    {
        running.RemoveAll(t => t.IsCompleted);
        if (running.Count == 0) return;
        _logger.LogInformation("Worker {WorkerId} stopping: waiting up to {GracePeriod} for {Count} running tasks",
            _options.WorkerId, _options.ShutdownGracePeriod, running.Count);
        var all = Task.WhenAll(running);
        try
        {
            await all.WaitAsync(_options.ShutdownGracePeriod, _time).ConfigureAwait(false);
            return;
        }
        catch (TimeoutException)
        {
        }
        _logger.LogWarning("Worker {WorkerId}: grace period over, cancelling {Count} running tasks and handing them back",
            _options.WorkerId, running.Count(t => !t.IsCompleted));
        await _graceExpired.CancelAsync().ConfigureAwait(false);
        // Runners never throw, and give up on a handler that ignores its token after OutcomeTimeout,
        // so this ends within WorkerOptions.WorstCaseStopTime.
        await all.ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _graceExpired.Dispose();
        _leaseGate.Dispose();
        _loopWake.Dispose();
        _handlerSlots?.Dispose();
        _metrics.Dispose();
        base.Dispose();
    }
}
