using StackExchange.Redis;

namespace QueueService.Stores.Redis;

// Wake-ups: the scripts publish a queue's name on <prefix>:{ns}:wake whenever a task becomes queued
// there; one subscription per store completes the waiters of that queue.
public sealed partial class RedisQueueStore
{
    private readonly Lock _waitersLock = new();
    private readonly Dictionary<string, HashSet<TaskCompletionSource<bool>>> _waiters = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _subscribeGate = new(1, 1);
    private ChannelMessageQueue? _subscription;
    private bool _disposed;

    /// <inheritdoc/>
    public async Task<bool> WaitForWorkAsync(IReadOnlyList<string> queues, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queues);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (maxWait <= TimeSpan.Zero || queues.Count == 0) return false;
        await EnsureSubscribedAsync(cancellationToken);

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

    private async Task EnsureSubscribedAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _subscription) is not null) return;
        await _subscribeGate.WaitAsync(ct);
        try
        {
            if (_subscription is not null) return;
            var queue = await GuardAsync(() => _connection.GetSubscriber().SubscribeAsync(_keys.WakeChannel));
            queue.OnMessage(message => Wake((string?)message.Message));
            Volatile.Write(ref _subscription, queue);
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

    /// <summary>Unsubscribes the wake channel; the multiplexer stays open (the caller owns it).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (_subscription is { } subscription)
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
        _subscribeGate.Dispose();
    }
}
