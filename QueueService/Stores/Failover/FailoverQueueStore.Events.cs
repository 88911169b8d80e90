using QueueService.Stores.Memory;
using QueueService.Tasks;

namespace QueueService.Stores.Failover;

// Task events: one hub of our own, fed by two pumps, one from the memory store of the moment and one from
// Redis, so a subscriber sees both stores' changes on one subscription.
public sealed partial class FailoverQueueStore
{
    private readonly TaskEventHub _events = new();
    private readonly SemaphoreSlim _eventsGate = new(1, 1);
    private bool _eventsWanted;
    private TaskEventSubscription? _memoryFeed;
    private Task _memoryPump = Task.CompletedTask;
    private TaskEventSubscription? _primaryFeed;
    private Task _primaryPump = Task.CompletedTask;

    /// <inheritdoc/>
    /// <remarks>
    /// One subscription carries the events of Redis and of the memory store (the tasks accepted during an
    /// outage). The first call subscribes to both; when Redis cannot be reached then, the probe subscribes to it
    /// as soon as it answers (events Redis published meanwhile are lost, as for any pub/sub gap). A drain
    /// publishes Redis's events for the drained tasks (they were already announced from memory): a subscriber
    /// may see a task <c>queued</c> twice.
    /// </remarks>
    public async Task<TaskEventSubscription> SubscribeEventsAsync(int capacity = TaskEventSubscription.DefaultCapacity, CancellationToken cancellationToken = default)
    {
        TaskEventHub.ValidateCapacity(capacity);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        await _eventsGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_eventsWanted)
            {
                _eventsWanted = true;
                _memoryFeed = await _memory.SubscribeEventsAsync(TaskEventSubscription.MaxCapacity, cancellationToken).ConfigureAwait(false);
                _memoryPump = PumpAsync(_memoryFeed);
            }
        }
        finally
        {
            _eventsGate.Release();
        }
        try
        {
            await TrySubscribePrimaryEventsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
        {
            // Redis is down: the probe subscribes when it answers; the memory store's events flow meanwhile.
        }
        return _events.Subscribe(capacity);
    }

    /// <summary>
    /// Subscribes to Redis's events when it is not done yet and someone listens, or always with a redo log (it records
    /// the <c>started</c> events, so a restore can give a task back to the worker running it). The probe calls it every tick.
    /// </summary>
    private async Task TrySubscribePrimaryEventsAsync(CancellationToken ct)
    {
        if ((_redo is null && !Volatile.Read(ref _eventsWanted)) || Volatile.Read(ref _primaryFeed) is not null) return;
        await _eventsGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_primaryFeed is not null) return;
            var feed = await _primary.SubscribeEventsAsync(TaskEventSubscription.MaxCapacity, ct).ConfigureAwait(false);
            _primaryPump = PumpAsync(feed, recordStarts: true);
            Volatile.Write(ref _primaryFeed, feed);
        }
        finally
        {
            _eventsGate.Release();
        }
    }

    /// <summary>After a drain: listens to the fresh memory store and lets the old feed run out.</summary>
    private async Task SwapMemoryEventsAsync(InMemoryQueueStore fresh)
    {
        await _eventsGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (!_eventsWanted) return;
            var old = _memoryFeed;
            _memoryFeed = await fresh.SubscribeEventsAsync(TaskEventSubscription.MaxCapacity).ConfigureAwait(false);
            var oldPump = _memoryPump;
            var freshPump = PumpAsync(_memoryFeed);
            _memoryPump = Task.WhenAll(oldPump, freshPump);
            if (old is not null) await old.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _eventsGate.Release();
        }
    }

    private Task PumpAsync(TaskEventSubscription feed, bool recordStarts = false) => Task.Run(async () =>
    {
        await foreach (var taskEvent in feed.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (recordStarts) RecordStart(taskEvent);
            _events.Publish(taskEvent);
        }
    });

    /// <summary>Records a <c>started</c> event of Redis in the redo log (the lease a restore gives back to its worker).</summary>
    private void RecordStart(TaskEvent taskEvent)
    {
        if (_redo is null || taskEvent is not { Kind: TaskEventKind.Started, LeaseToken: { } token, Attempt: { } attempt, WorkerId: { } worker }) return;
        _redo.Append(new JournalEntry(JournalEntryKind.Started, taskEvent.TaskId, taskEvent.At, Attempt: attempt, WorkerId: worker, LeaseToken: token));
    }

    private async Task DisposeEventsAsync()
    {
        await _eventsGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_memoryFeed is { } memoryFeed) await memoryFeed.DisposeAsync().ConfigureAwait(false);
            if (_primaryFeed is { } primaryFeed) await primaryFeed.DisposeAsync().ConfigureAwait(false);
            await Task.WhenAll(_memoryPump, _primaryPump).ConfigureAwait(false);
        }
        finally
        {
            _eventsGate.Release();
        }
        _events.CompleteAll();
    }
}
