using QueueService.Tasks;

namespace QueueService.Stores.Memory;

// Wake-ups: one signal per queue, completed and dropped whenever a task of that queue becomes
// queued (the in-memory twin of the Redis `wake` channel).
public sealed partial class InMemoryQueueStore
{
    // Created on demand by a waiter; a signal completes it and removes it, so the next waiter
    // makes a fresh one. Continuations run asynchronously: never inside the store's lock.
    private readonly Dictionary<string, TaskCompletionSource<bool>> _signals = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public async Task<bool> WaitForWorkAsync(IReadOnlyList<string> queues, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        var queueNames = TaskLimits.ValidateQueues(queues);
        if (maxWait < TimeSpan.Zero) throw QueueStoreException.Invalid("maxWait", $"maxWait must be 0 or more; got {maxWait}.");
        cancellationToken.ThrowIfCancellationRequested();

        var signals = new Task<bool>[queueNames.Length];
        lock (_gate)
        {
            for (var i = 0; i < queueNames.Length; i++)
            {
                if (!_signals.TryGetValue(queueNames[i], out var source))
                {
                    source = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _signals[queueNames[i]] = source;
                }
                signals[i] = source.Task;
            }
            // Registered first, then looked: a task queued before this point is seen here, one
            // queued after it completes a signal. A caller that leased nothing and then waits
            // cannot sleep through a task that arrived in between.
            foreach (var queue in queueNames)
            {
                if (_indexes.Of(QueueTaskStatus.Queued, queue).Count > 0) return true;
            }
        }

        using var stopTimer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timeout = Task.Delay(maxWait, _time, stopTimer.Token);
        var first = await Task.WhenAny(Task.WhenAny(signals), timeout).ConfigureAwait(false);
        if (first != timeout)
        {
            await stopTimer.CancelAsync().ConfigureAwait(false);
            return true;
        }
        cancellationToken.ThrowIfCancellationRequested();
        return false;
    }

    private void SignalLocked(string type)
    {
        if (_signals.Remove(type, out var source)) source.TrySetResult(true);
    }
}
