using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Stores.Redis;
using StackExchange.Redis;

namespace QueueService.Hosting;

// The store: Redis when configured, else the in-memory store.
public static partial class QueueServiceCollectionExtensions
{
    /// <summary>
    /// Adds the queue store: <see cref="TimeProvider.System"/> (unless one is registered),
    /// <see cref="QueueStoreOptions"/> from <c>Queue:Store</c> and <see cref="RedisStoreOptions"/> from
    /// <c>Queue:Redis</c>, both validated at start, and one <see cref="IQueueStore"/>: a
    /// <see cref="RedisQueueStore"/> over a shared <see cref="IConnectionMultiplexer"/> when
    /// <c>Queue:Redis:Configuration</c> is set (<c>REDIS_URL</c> maps there, see <see cref="QueueEnvironment"/>),
    /// else an <see cref="InMemoryQueueStore"/>. The connection does not abort when Redis is down at start:
    /// it keeps retrying, and store calls answer <see cref="StoreError.Unavailable"/> meanwhile. As the host
    /// starts, a Redis store writes its epoch if it has none and warns if the server may evict keys.
    /// </summary>
    public static IServiceCollection AddRedisQueue(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<QueueStoreOptions>()
            .Bind(configuration.GetSection(QueueStoreOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<RedisStoreOptions>()
            .Bind(configuration.GetSection(RedisStoreOptions.Section))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisStoreOptions>, RedisStoreOptionsValidator>());

        services.TryAddSingleton<IConnectionMultiplexer>(sp =>
        {
            var redis = sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value;
            if (!redis.IsConfigured)
                throw new InvalidOperationException($"No Redis is configured: set {RedisStoreOptions.Section}:{nameof(RedisStoreOptions.Configuration)} (or {QueueEnvironment.RedisUrl}).");
            return ConnectionMultiplexer.Connect(RedisConnection.Options(redis.Configuration!));
        });
        services.TryAddSingleton<IQueueStore>(sp =>
        {
            var redis = sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value;
            var store = sp.GetRequiredService<IOptions<QueueStoreOptions>>().Value;
            var time = sp.GetRequiredService<TimeProvider>();
            return redis.IsConfigured
                ? new RedisQueueStore(sp.GetRequiredService<IConnectionMultiplexer>(), redis, store, time, sp.GetService<ILogger<RedisQueueStore>>())
                : new InMemoryQueueStore(store, time);
        });
        services.AddHostedService<RedisStoreStartup>();
        return services;
    }

    private sealed class RedisStoreOptionsValidator : IValidateOptions<RedisStoreOptions>
    {
        public ValidateOptionsResult Validate(string? name, RedisStoreOptions options)
        {
            try
            {
                options.EnsureValid();
                return ValidateOptionsResult.Success;
            }
            catch (ArgumentException ex)
            {
                return ValidateOptionsResult.Fail(ex.Message);
            }
        }
    }
}
