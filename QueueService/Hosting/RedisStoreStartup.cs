using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QueueService.Stores;
using QueueService.Stores.Redis;

namespace QueueService.Hosting;

/// <summary>
/// Checks a Redis store once as the host starts: writes the namespace's epoch if it has none and
/// warns when the server may evict keys (a queue must not lose tasks to <c>maxmemory-policy</c>).
/// Redis being down at start is logged, never fatal: the store answers <see cref="StoreError.Unavailable"/>
/// until it returns. Does nothing for the in-memory store.
/// </summary>
internal sealed class RedisStoreStartup(IQueueStore store, ILogger<RedisStoreStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (store is not RedisQueueStore redis) return;
        try
        {
            var epoch = await redis.EnsureEpochAsync(cancellationToken).ConfigureAwait(false);
            await redis.CheckServerAsync(cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Redis store ready, epoch {Epoch}", epoch);
        }
        catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
        {
            logger.LogWarning(ex, "Redis is not reachable at start-up; the store answers 'unavailable' until it is");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
