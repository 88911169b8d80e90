using StackExchange.Redis;

namespace QueueService.Stores.Redis;

// Wake-ups: the scripts publish a queue's name on <prefix>:{ns}:wake whenever a task becomes queued
// there; one subscription per store completes the waiters of that queue.
public sealed partial class RedisQueueStore
{
    private readonly Lock _waitersLock = new();
    private readonly Dictionary<string, HashSet<TaskCompletionSource<bool>>> _waiters = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _subscribeGate = new(1, 1);
    // Set once subscribed (the handler is what unsubscribes).
    private Action<RedisChannel, RedisValue>? _subscription;
    private bool _disposed;

    /// <inheritdoc/>
    public async Task<bool> WaitForWorkAsync(IReadOnlyList<string> queues, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        Tasks.TaskLimits.ValidateQueues(queues);
        if (maxWait < TimeSpan.Zero) throw QueueStoreException.Invalid("maxWait", $"maxWait must be 0 or more; got {maxWait}.");
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (maxWait == TimeSpan.Zero)
        {
            // Look without waiting (and without subscribing): true at once when work is queued.
            var queued = await ReadAsync("queued lengths", () => Task.WhenAll(queues.Select(q => Db.SortedSetLengthAsync(_keys.Queued(q)))), cancellationToken);
            return queued.Any(length => length > 0);
        }

        // Register before subscribing: the first call sends SUBSCRIBE before it returns, so a
        // publish the caller causes after this call began finds both the waiter and the subscription.
        var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waitersLock)
        {
            foreach (var queue in queues)
            {
                if (!_waiters.TryGetValue(queue, out var set)) _waiters[queue] = set = [];
                set.Add(waiter);
            }
        }
        try
        {
            await EnsureSubscribedAsync(cancellationToken);
            // Registered first, then looked (one round trip): a task queued before this point is
            // in its index, one queued after it wakes the waiter. A caller that leased nothing and
            // then waits cannot sleep through a task that arrived in between, nor through a
            // publish lost while the first SUBSCRIBE was in flight.
            var lengths = await ReadAsync("queued lengths", () => Task.WhenAll(queues.Select(q => Db.SortedSetLengthAsync(_keys.Queued(q)))), cancellationToken);
            if (lengths.Any(length => length > 0)) return true;
            return await waiter.Task.WaitAsync(maxWait, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            lock (_waitersLock)
            {
                foreach (var queue in queues)
                {
                    if (_waiters.TryGetValue(queue, out var set) && set.Remove(waiter) && set.Count == 0) _waiters.Remove(queue);
                }
            }
        }
    }

    /// <summary>Subscribes once; true for the call that did it.</summary>
    private async Task<bool> EnsureSubscribedAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _subscription) is not null) return false;
        await _subscribeGate.WaitAsync(ct);
        try
        {
            if (_subscription is not null) return false;
            // The concurrent handler, not a ChannelMessageQueue: a queue hands each message to its reader loop, one hop more
            // on the way from an enqueue to a waiting worker (the idle latency is a chain of such hops on a 2-core machine).
            Action<RedisChannel, RedisValue> handler = (_, message) => Wake((string?)message);
            await GuardAsync("subscribe", async () =>
            {
                await _connection.GetSubscriber().SubscribeAsync(_keys.WakeChannel, handler);
                return true;
            }, CancellationToken.None);
            Volatile.Write(ref _subscription, handler);
            return true;
        }
        finally
        {
            _subscribeGate.Release();
        }
    }

    private void Wake(string? queue)
    {
        if (queue is null) return;
        TaskCompletionSource<bool>[] woken;
        lock (_waitersLock)
        {
            if (!_waiters.Remove(queue, out var set)) return;
            woken = [.. set];
        }
        foreach (var waiter in woken) waiter.TrySetResult(true);
    }

    /// <summary>Unsubscribes the wake and events channels and ends every event subscription; the multiplexer stays open (the caller owns it).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (_subscription is { } subscription)
        {
            try
            {
                await _connection.GetSubscriber().UnsubscribeAsync(_keys.WakeChannel, subscription);
            }
            catch (RedisException)
            {
                // Redis is gone: there is no subscription left to end.
            }
        }
        await DisposeEventsAsync();
        _subscribeGate.Dispose();
    }
}
