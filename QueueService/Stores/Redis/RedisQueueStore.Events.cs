using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace QueueService.Stores.Redis;

// Task events: the scripts publish each change on <prefix>:{ns}:events (common.lua); one
// subscription per store feeds every TaskEventSubscription through the hub.
public sealed partial class RedisQueueStore
{
    private readonly TaskEventHub _events = new();
    private readonly SemaphoreSlim _eventsGate = new(1, 1);
    private ChannelMessageQueue? _eventsSubscription;
    private long _unreadableEvents;

    /// <inheritdoc/>
    /// <remarks>
    /// The first call subscribes the multiplexer to the namespace's events channel (one round trip)
    /// and keeps that subscription until the store is disposed; later calls only add a feed. The
    /// multiplexer re-subscribes by itself after a reconnection; events published while it was
    /// disconnected are lost.
    /// </remarks>
    /// <exception cref="QueueStoreException">Also <see cref="StoreError.Unavailable"/> when Redis cannot be reached to subscribe.</exception>
    public async Task<TaskEventSubscription> SubscribeEventsAsync(int capacity = TaskEventSubscription.DefaultCapacity, CancellationToken cancellationToken = default)
    {
        TaskEventHub.ValidateCapacity(capacity);
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Subscribed first, then fed: once this returns, the channel is live and the feed is in the hub.
        await EnsureEventsSubscribedAsync(cancellationToken);
        return _events.Subscribe(capacity);
    }

    /// <summary>How many messages on the events channel could not be read (logged at Warning); 0 unless a foreign publisher writes there.</summary>
    internal long UnreadableEventMessages => Interlocked.Read(ref _unreadableEvents);

    private async Task EnsureEventsSubscribedAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _eventsSubscription) is not null) return;
        await _eventsGate.WaitAsync(ct);
        try
        {
            if (_eventsSubscription is not null) return;
            var queue = await GuardAsync("subscribe events", () => _connection.GetSubscriber().SubscribeAsync(_keys.EventsChannel), CancellationToken.None);
            // OnMessage handles one message at a time, in arrival order: the order the scripts ran.
            queue.OnMessage(OnEventsMessage);
            Volatile.Write(ref _eventsSubscription, queue);
        }
        finally
        {
            _eventsGate.Release();
        }
    }

    private void OnEventsMessage(ChannelMessage message)
    {
        if (!_events.HasSubscribers) return;
        try
        {
            foreach (var taskEvent in RedisTaskEvents.Parse((byte[])message.Message!)) _events.Publish(taskEvent);
        }
        catch (FormatException ex)
        {
            Interlocked.Increment(ref _unreadableEvents);
            _logger.LogWarning("Redis store {Prefix}: skipped a message on the events channel: {Reason}", _keys.Prefix, ex.Message);
        }
    }

    private async ValueTask DisposeEventsAsync()
    {
        if (_eventsSubscription is { } subscription)
        {
            try
            {
                await subscription.UnsubscribeAsync();
            }
            catch (RedisException)
            {
                // Redis is gone: there is no subscription left to end.
            }
        }
        _events.CompleteAll();
        _eventsGate.Dispose();
    }
}
