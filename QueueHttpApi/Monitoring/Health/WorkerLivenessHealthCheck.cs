using Microsoft.Extensions.Diagnostics.HealthChecks;
using QueueService.Stores;

namespace QueueHttpApi.Monitoring.Health;

/// <summary>
/// <c>workers</c>: Degraded when a queue holds queued tasks and no live worker leases from it (they would wait
/// forever), naming those queues; Healthy otherwise. When the store cannot be read it cannot tell, and says so
/// as Degraded (the <c>store</c> check is the one that turns the whole Unhealthy).
/// </summary>
public sealed class WorkerLivenessHealthCheck(IQueueStore store) : IHealthCheck
{
    /// <summary>The name in <c>/health</c>.</summary>
    public const string Name = "workers";

    /// <inheritdoc/>
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        QueueStats stats;
        IReadOnlyList<WorkerInfo> workers;
        try
        {
            stats = await store.GetStatsAsync(cancellationToken).WaitAsync(StoreHealthCheck.Timeout, cancellationToken);
            workers = await store.ListWorkersAsync(cancellationToken).WaitAsync(StoreHealthCheck.Timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is QueueStoreException or TimeoutException)
        {
            return HealthCheckResult.Degraded($"Cannot tell which workers are live: {ex.Message}");
        }

        var unserved = stats.Queues.Values
            .Where(q => q.Counts.Queued > 0 && !workers.Any(w => w.Queues.Contains(q.Type, StringComparer.Ordinal)))
            .Select(q => q.Type)
            .ToArray();
        var data = new Dictionary<string, object>
        {
            ["live"] = workers.Count,
            ["queues"] = stats.Queues.Values.ToDictionary(q => q.Type, q => (object)new
            {
                queued = q.Counts.Queued,
                workers = workers.Count(w => w.Queues.Contains(q.Type, StringComparer.Ordinal)),
            }, StringComparer.Ordinal),
        };
        if (unserved.Length > 0)
        {
            data["unserved"] = unserved;
            return HealthCheckResult.Degraded(
                $"Tasks are queued with no live worker to run them on: {string.Join(", ", unserved)}. Start a QueueWorker for these queues (or embedded workers).",
                data: data);
        }
        return HealthCheckResult.Healthy($"{workers.Count} live worker(s); every queue with queued tasks is served.", data);
    }
}
