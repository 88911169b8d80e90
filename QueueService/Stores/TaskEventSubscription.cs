using System.Threading.Channels;
using QueueService.Tasks;

namespace QueueService.Stores;

/// <summary>
/// One subscriber's feed of task events (<see cref="IQueueStore.SubscribeEventsAsync"/>), read from
/// <see cref="Reader"/> in the order the changes were made. The feed has a bounded buffer of its own,
/// so a slow reader never blocks or slows the store, nor any other subscriber: when the reader is
/// <see cref="Capacity"/> events behind, each new event pushes out the oldest unread one, counted in
/// <see cref="DroppedCount"/>. Dispose it to stop; the reader then completes. It also completes when
/// the store is disposed.
/// </summary>
public sealed class TaskEventSubscription : IAsyncDisposable
{
    /// <summary>The buffer a subscription gets unless it asks otherwise: 10,000 events.</summary>
    public const int DefaultCapacity = 10_000;

    /// <summary>The largest buffer a subscription may ask for: 1,000,000 events.</summary>
    public const int MaxCapacity = 1_000_000;

    private readonly Channel<TaskEvent> _channel;
    private readonly Action<TaskEventSubscription> _onDispose;
    private long _dropped;
    private int _disposed;

    internal TaskEventSubscription(int capacity, Action<TaskEventSubscription> onDispose)
    {
        Capacity = capacity;
        _onDispose = onDispose;
        // DropOldest: a write never waits and never fails while the feed is open.
        _channel = Channel.CreateBounded<TaskEvent>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = false, SingleWriter = false },
            _ => Interlocked.Increment(ref _dropped));
    }

    /// <summary>How many unread events the feed holds before it drops the oldest.</summary>
    public int Capacity { get; }

    /// <summary>The events, oldest first. Completes when the subscription or the store is disposed.</summary>
    public ChannelReader<TaskEvent> Reader => _channel.Reader;

    /// <summary>How many events were pushed out unread because the reader fell <see cref="Capacity"/> behind.</summary>
    public long DroppedCount => Interlocked.Read(ref _dropped);

    /// <summary>Adds an event without ever waiting (the oldest unread one goes when the buffer is full).</summary>
    internal void Offer(TaskEvent taskEvent) => _channel.Writer.TryWrite(taskEvent);

    /// <summary>Ends the feed: the reader completes after the events already buffered.</summary>
    internal void Complete() => _channel.Writer.TryComplete();

    /// <summary>Stops the feed; events already buffered can still be read. Safe to call twice.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _onDispose(this);
            Complete();
        }
        return ValueTask.CompletedTask;
    }
}
