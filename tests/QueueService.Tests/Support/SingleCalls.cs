using QueueService.Stores;

namespace QueueService.Tests.Support;

/// <summary>
/// <see cref="IQueueStore.CompleteAndLeaseAsync"/> as the single calls it stands for: each completion through
/// <see cref="IQueueStore.CompleteAsync"/>, then <see cref="IQueueStore.LeaseAsync"/>, all on the given store. The test
/// doubles that fail or log calls by name (<see cref="FlakyStore"/>, <c>StoreCallLog</c>) route the worker's combined
/// call through it, so a test of "recording the completion fails" still means what it says. A failure of a completion
/// other than a refusal fails the whole call, as one round trip would; a failing lease after recorded completions leases
/// nothing (the completions applied, as they would have in the one call).
/// </summary>
internal static class SingleCalls
{
    public static bool IsCompleteAndLease(System.Reflection.MethodInfo method) => method.Name == nameof(IQueueStore.CompleteAndLeaseAsync);

    public static object Invoke(IQueueStore store, object?[] args) =>
        CompleteAndLeaseAsync(store, (IReadOnlyList<TaskCompletion>)args[0]!, (string)args[1]!, (IReadOnlyList<string>)args[2]!,
            (int)args[3]!, (TimeSpan)args[4]!, (CancellationToken)args[5]!);

    private static async Task<CompleteAndLeaseResult> CompleteAndLeaseAsync(IQueueStore store, IReadOnlyList<TaskCompletion> completions,
        string workerId, IReadOnlyList<string> queues, int maxTasks, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        var refusals = new QueueStoreException?[completions.Count];
        for (var i = 0; i < completions.Count; i++)
        {
            try
            {
                await store.CompleteAsync(completions[i].Lease, completions[i].ResultJson, cancellationToken);
            }
            catch (QueueStoreException refused) when (refused.Error is StoreError.LeaseNotHeld or StoreError.NotFound)
            {
                refusals[i] = refused;
            }
        }
        if (maxTasks == 0) return new CompleteAndLeaseResult(refusals, []);
        try
        {
            return new CompleteAndLeaseResult(refusals, await store.LeaseAsync(workerId, queues, maxTasks, leaseDuration, cancellationToken));
        }
        catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable && completions.Count > 0)
        {
            // One round trip is all or nothing: the completions above were recorded, so the call as a whole was not
            // refused. Nothing leased, as when the queue is empty; the loop's next lease meets the outage by itself.
            return new CompleteAndLeaseResult(refusals, []);
        }
    }
}
