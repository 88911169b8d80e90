using QueueService.Stores;
using QueueService.Stores.Redis;
using QueueService.Tests.Fixtures;

namespace QueueService.Tests.Stores.Contract;

/// <summary>The contract suite against <see cref="RedisQueueStore"/> on a real Redis, one namespace per test.</summary>
public sealed class RedisQueueStoreContractTests(RedisServerFixture redis)
    : QueueStoreContractTests, IClassFixture<RedisServerFixture>
{
    /// <inheritdoc/>
    protected override Task<IQueueStore> CreateStoreAsync(StoreTestContext context) =>
        Task.FromResult<IQueueStore>(redis.CreateStore(RedisServerFixture.UniqueNamespace("contract"), context.Options));
}
