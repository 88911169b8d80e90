using QueueService.Stores;

namespace QueueService.Tests.Stores.Contract;

/// <summary>What a store factory of the contract suite is given: the options every fact assumes.</summary>
/// <param name="Options">Store options with a short, jitter-free backoff, so retries are testable in real time.</param>
public sealed record StoreTestContext(QueueStoreOptions Options);
