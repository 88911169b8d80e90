using QueueService.Stores;
using QueueService.Stores.Memory;

namespace QueueService.Tests.Stores.Contract;

/// <summary>The contract suite against <see cref="InMemoryQueueStore"/> on the system clock.</summary>
public sealed class InMemoryQueueStoreContractTests : QueueStoreContractTests
{
    /// <inheritdoc/>
    protected override Task<IQueueStore> CreateStoreAsync(StoreTestContext context) =>
        Task.FromResult<IQueueStore>(new InMemoryQueueStore(context.Options, TimeProvider.System));
}
