using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Prometheus;
using QueueHttpApi.Monitoring.Health;
using QueueService.Maintenance;
using QueueService.Snapshots;
using QueueService.Stores;
using QueueService.Tasks;
using QueueWorker.Metrics;

namespace QueueHttpApi.Monitoring;

/// <summary>
/// The API's Prometheus registry, served at <c>/metrics</c>: the embedded workers' task counters and histograms
/// (<see cref="PrometheusMeterBridge"/>), the .NET process figures, and gauges read from the store at each scrape:
/// <c>redisqueue_queue_tasks{queue,status}</c>, <c>redisqueue_workers_live</c>, <c>redisqueue_store_up</c>,
/// <c>redisqueue_store_mode{store}</c> and <c>redisqueue_backup_age_seconds</c>; and the stuck tasks this API reclaimed,
/// <c>redisqueue_tasks_reclaimed_total{queue,reason,status}</c> (<see cref="ReclaimCounter"/>).
/// </summary>
/// <remarks>
/// A registry per host rather than prometheus-net's static default one, so that several hosts in one process
/// (the tests) each publish only their own figures.
/// </remarks>
public sealed class ApiMetrics : IDisposable
{
    /// <summary>The store kinds <c>redisqueue_store_mode</c> always lists (0 or 1).</summary>
    public static readonly IReadOnlyList<string> StoreKinds = ["redis", "memory", "memory-fallback"];

    private readonly IQueueStore _store;
    private readonly BackupService _backups;
    private readonly ApiStartTime _started;
    private readonly TimeProvider _time;
    private readonly ILogger<ApiMetrics> _logger;
    private readonly PrometheusMeterBridge _bridge;
    private readonly Gauge _depth;
    private readonly Gauge _workers;
    private readonly Gauge _storeUp;
    private readonly Gauge _storeMode;
    private readonly Gauge? _backupAge;
    private readonly ReclaimCounter _reclaims;
    private readonly Counter _reclaimed;

    /// <summary>Creates the registry and its collectors.</summary>
    public ApiMetrics(IQueueStore store, BackupService backups, IOptions<SnapshotOptions> snapshots, ApiStartTime started,
        ReclaimCounter reclaims, TimeProvider time, IMeterFactory meterFactory, ILogger<ApiMetrics> logger)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        _store = store;
        _backups = backups;
        _started = started;
        _time = time;
        _logger = logger;
        _reclaims = reclaims;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        _bridge = new PrometheusMeterBridge(Registry, meterFactory);
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _depth = factory.CreateGauge("redisqueue_queue_tasks", "Tasks per queue and status, as the store counts them at the scrape.", "queue", "status");
        _workers = factory.CreateGauge("redisqueue_workers_live", "Live workers in the registry at the scrape.");
        _storeUp = factory.CreateGauge("redisqueue_store_up", "1 when the store answered the scrape's reads, 0 when it could not be reached (the other store gauges then keep their last values).");
        _storeMode = factory.CreateGauge("redisqueue_store_mode", "1 for the store this API runs on (redis, memory or memory-fallback), 0 for the others.", "store");
        if (snapshots.Value.Enabled)
            _backupAge = factory.CreateGauge("redisqueue_backup_age_seconds",
                "Seconds since this process last wrote a backup, or since it started when it has written none yet.");
        _reclaimed = factory.CreateCounter("redisqueue_tasks_reclaimed_total",
            "Stuck tasks this API reclaimed (lease reaper and cleanup-stuck-tasks), per queue, reason (lease-expired, timeout) and the status they went to.",
            "queue", "reason", "status");
        Registry.AddBeforeCollectCallback(RefreshAsync);
    }

    /// <summary>The registry <c>/metrics</c> serves.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>How long a scrape waits for the store before publishing <c>redisqueue_store_up 0</c>.</summary>
    public static TimeSpan StoreTimeout => StoreHealthCheck.Timeout;

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        foreach (var (queue, reason, status, count) in _reclaims.Counts())
            _reclaimed.WithLabels(queue, reason, status).IncTo(count);
        var kind = _store.Kind;
        foreach (var known in StoreKinds.Append(kind).Distinct(StringComparer.Ordinal))
            _storeMode.WithLabels(known).Set(known == kind ? 1 : 0);
        if (_backupAge is not null)
            _backupAge.Set(Math.Max(0, (_time.GetUtcNow() - (_backups.LastBackupAt ?? _started.At)).TotalSeconds));

        try
        {
            var stats = await _store.GetStatsAsync(cancellationToken).WaitAsync(StoreTimeout, _time, cancellationToken);
            var workers = await _store.ListWorkersAsync(cancellationToken).WaitAsync(StoreTimeout, _time, cancellationToken);
            foreach (var queue in stats.Queues.Values)
            {
                foreach (var status in QueueTaskStatusNames.All)
                    _depth.WithLabels(queue.Type, status.ToWire()).Set(queue.Counts.Of(status));
            }
            _workers.Set(workers.Count);
            _storeUp.Set(1);
        }
        catch (Exception ex) when (ex is QueueStoreException or TimeoutException)
        {
            // A scrape must still answer: the store's state is exactly what an operator wants to see then.
            _storeUp.Set(0);
            _logger.LogDebug("Metrics scrape could not read the {Store} store: {Reason}", kind, ex.Message);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _bridge.Dispose();
}
