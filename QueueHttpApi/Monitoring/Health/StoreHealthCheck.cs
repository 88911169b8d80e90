using Microsoft.Extensions.Diagnostics.HealthChecks;
using QueueService.Stores;

namespace QueueHttpApi.Monitoring.Health;

/// <summary>
/// <c>store</c>: Healthy when the store answers a cheap read (its epoch) within <see cref="Timeout"/>;
/// Degraded on the in-memory fallback (<c>memory-fallback</c>: Redis is down and submissions go to memory);
/// Unhealthy when it cannot be reached.
/// </summary>
public sealed class StoreHealthCheck(IQueueStore store, TimeProvider time) : IHealthCheck
{
    /// <summary>The name in <c>/health</c>.</summary>
    public const string Name = "store";

    /// <summary>How long the check waits for the store (a Redis that is down otherwise holds the caller for its own connect time-out).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <inheritdoc/>
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["store"] = store.Kind };
        // The fallback answers from memory; the epoch is Redis's and is refused meanwhile (docs/failover.md).
        if (store.Kind == "memory-fallback") return Fallback(data);
        try
        {
            await store.GetEpochAsync(cancellationToken).WaitAsync(Timeout, time, cancellationToken);
        }
        catch (QueueStoreException ex)
        {
            // This very read may have switched the failover store to memory.
            if (store.Kind == "memory-fallback")
            {
                data["store"] = store.Kind;
                return Fallback(data);
            }
            return HealthCheckResult.Unhealthy($"The {store.Kind} store cannot be reached: {ex.Message}", data: data);
        }
        catch (TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"The {store.Kind} store did not answer within {Timeout.TotalSeconds:0} s.", data: data);
        }
        return HealthCheckResult.Healthy($"The {store.Kind} store answers.", data);
    }

    private static HealthCheckResult Fallback(Dictionary<string, object> data) =>
        HealthCheckResult.Degraded("Redis is unreachable: tasks are accepted into memory (and written to disk) until it returns.", data: data);
}
