using QueueService.Stores;

namespace QueueBench;

/// <summary>With <c>--events</c>: one subscriber per store that reads every task event, as the API's broadcaster does, so the bench pays for delivering them.</summary>
internal static class EventDrain
{
    private static long _read;

    /// <summary>Events read so far by every drain.</summary>
    public static long Read => Interlocked.Read(ref _read);

    public static async Task<IQueueStore> WatchAsync(IQueueStore store, bool events)
    {
        if (!events) return store;
        var subscription = await store.SubscribeEventsAsync(TaskEventSubscription.MaxCapacity);
        _ = Task.Run(async () =>
        {
            await foreach (var _ in subscription.Reader.ReadAllAsync()) Interlocked.Increment(ref _read);
        });
        return store;
    }
}
