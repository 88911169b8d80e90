using Microsoft.Extensions.Logging;
using QueueService.Stores;

namespace QueueService.Workers;

// The worker registry: who is alive, on which queues, running what (IQueueStore.RegisterWorkerAsync).
public sealed partial class QueueWorkerService
{
    /// <summary>The shortest registry ttl: below it, one slow store call or GC pause would drop a live worker from the list.</summary>
    internal static readonly TimeSpan MinRegistryTtl = TimeSpan.FromSeconds(5);

    /// <summary>The longest the shutdown waits to leave the registry (at most <see cref="WorkerOptions.OutcomeTimeout"/>).</summary>
    internal static readonly TimeSpan UnregisterTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long this worker's registration lives without a refresh: three heartbeat intervals (two
    /// refreshes may be missed), at least <see cref="MinRegistryTtl"/>, at most <see cref="WorkerInfo.MaxTtl"/>.
    /// </summary>
    internal TimeSpan RegistryTtl
    {
        get
        {
            var ttl = _options.HeartbeatInterval * 3;
            return Clamp(ttl, MinRegistryTtl, WorkerInfo.MaxTtl);
        }
    }

    /// <summary>
    /// Registers at once, then refreshes every <see cref="WorkerOptions.HeartbeatInterval"/> with the tasks in
    /// flight, until <paramref name="stop"/> fires. Never throws: a store failure is logged once per streak and
    /// the next tick tries again (the entry lives three intervals, so one miss does not drop the worker).
    /// Each tick also reconciles this worker's leases when that is due (<see cref="ReconcileIfDueAsync"/>).
    /// </summary>
    private async Task RunRegistryAsync(IReadOnlyList<string> queues, DateTimeOffset startedAt, CancellationToken stop)
    {
        var failures = new FailureStreak(_logger, _time, $"Registering worker {_options.WorkerId}");
        var reconcileFailures = new FailureStreak(_logger, _time, $"Reconciling the leases of worker {_options.WorkerId}", "trying again at the next registry tick");
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, _time);
        try
        {
            do
            {
                var info = new WorkerInfo(_options.WorkerId, Environment.MachineName, Environment.ProcessId, queues,
                    _options.Concurrency, _state.InFlightTaskIds.Order(StringComparer.Ordinal).ToArray(), startedAt);
                try
                {
                    await _store.RegisterWorkerAsync(info, RegistryTtl, stop).ConfigureAwait(false);
                    failures.Succeeded();
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stop.IsCancellationRequested)
                {
                    NoteIfUnavailable(ex);
                    failures.Failed(ex);
                }
                await ReconcileIfDueAsync(reconcileFailures, stop).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped: the caller unregisters.
        }
    }

    /// <summary>Removes this worker from the registry on shutdown; on failure the entry simply expires after <see cref="RegistryTtl"/>.</summary>
    private async Task UnregisterAsync()
    {
        try
        {
            // Bounded well inside the 5 s margin AddQueueWorker adds to WorstCaseStopTime, so leaving the
            // registry cannot make the host abandon a stop; a missed unregister only lasts one ttl.
            using var timeout = new CancellationTokenSource(UnregisterTimeout < _options.OutcomeTimeout ? UnregisterTimeout : _options.OutcomeTimeout, _time);
            await _store.UnregisterWorkerAsync(_options.WorkerId, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Worker {WorkerId} could not unregister; its registry entry expires within {Ttl}", _options.WorkerId, RegistryTtl);
        }
    }
}
