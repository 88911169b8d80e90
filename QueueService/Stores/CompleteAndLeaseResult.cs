namespace QueueService.Stores;

/// <summary>What <see cref="IQueueStore.CompleteAndLeaseAsync"/> did.</summary>
/// <param name="Refusals">One per completion, in order: null when it was recorded, else the refusal
/// <see cref="IQueueStore.CompleteAsync"/> would have thrown for it (<see cref="StoreError.LeaseNotHeld"/>, <see cref="StoreError.NotFound"/>).</param>
/// <param name="Leases">The new leases, in run order; empty when none was asked for or nothing is queued.</param>
public sealed record CompleteAndLeaseResult(IReadOnlyList<QueueStoreException?> Refusals, IReadOnlyList<TaskLease> Leases);
