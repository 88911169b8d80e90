using QueueHttpApi.Tests.Support;
using QueueService.Tests.Fixtures;

namespace QueueHttpApi.Tests.Tasks;

/// <summary>The task endpoints in the Redis mode, on a real redis-server, each API under a namespace of its own.</summary>
public sealed class RedisTaskEndpointsTests(RedisServerFixture redis) : TaskEndpointsTests, IClassFixture<RedisServerFixture>
{
    /// <inheritdoc/>
    protected override ApiFactory CreateApi(IReadOnlyDictionary<string, string?>? settings = null) =>
        ApiFactory.OnRedis(redis.ConnectionString, RedisServerFixture.UniqueNamespace(), settings: TaskTestSupport.Settings(settings));
}
