using QueueService.Tasks;

namespace QueueService.Stores;

/// <summary>
/// The fan-out of one store's events to its subscriptions, shared by both stores: the in-memory store
/// publishes here as it changes tasks, the Redis store from its one subscription to the namespace's
/// events channel. Publishing reads a copy-on-write array and never waits: each subscription buffers
/// on its own and drops its oldest event when full.
/// </summary>
internal sealed class TaskEventHub
{
    private readonly Lock _lock = new();
    private TaskEventSubscription[] _subscriptions = [];
    private bool _completed;

    /// <summary>True while anyone listens: the in-memory store builds no event otherwise.</summary>
    public bool HasSubscribers => Volatile.Read(ref _subscriptions).Length > 0;

    /// <summary>Checks a requested buffer size.</summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> (field <c>capacity</c>) outside 1–<see cref="TaskEventSubscription.MaxCapacity"/>.</exception>
    public static void ValidateCapacity(int capacity)
    {
        if (capacity is < 1 or > TaskEventSubscription.MaxCapacity)
            throw QueueStoreException.Invalid("capacity", $"capacity must be between 1 and {TaskEventSubscription.MaxCapacity}; got {capacity}.");
    }

    /// <summary>Adds a subscription that receives every event published from now on.</summary>
    public TaskEventSubscription Subscribe(int capacity)
    {
        ValidateCapacity(capacity);
        var subscription = new TaskEventSubscription(capacity, Remove);
        lock (_lock)
        {
            if (_completed) subscription.Complete();
            else _subscriptions = [.. _subscriptions, subscription];
        }
        return subscription;
    }

    /// <summary>Offers the event to every subscription; never waits.</summary>
    public void Publish(TaskEvent taskEvent)
    {
        foreach (var subscription in Volatile.Read(ref _subscriptions)) subscription.Offer(taskEvent);
    }

    /// <summary>Ends every subscription (the store is disposed); later subscriptions start ended.</summary>
    public void CompleteAll()
    {
        TaskEventSubscription[] ended;
        lock (_lock)
        {
            _completed = true;
            ended = _subscriptions;
            _subscriptions = [];
        }
        foreach (var subscription in ended) subscription.Complete();
    }

    private void Remove(TaskEventSubscription subscription)
    {
        lock (_lock)
        {
            _subscriptions = Array.FindAll(_subscriptions, s => !ReferenceEquals(s, subscription));
        }
    }
}
