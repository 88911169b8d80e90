namespace QueueService.Stores.Memory;

// The worker registry: one entry per worker id with its expiry, by the store's clock.
public sealed partial class InMemoryQueueStore
{
    private readonly Dictionary<string, (WorkerInfo Worker, long ExpiresAtMs)> _workers = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public Task RegisterWorkerAsync(WorkerInfo worker, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        WorkerInfo.Validate(worker, ttl);
        lock (_gate)
        {
            var nowMs = NowMs();
            // Copies of the lists: the caller may keep changing its own.
            var stored = worker with
            {
                Queues = worker.Queues.ToArray(),
                CurrentTaskIds = worker.CurrentTaskIds.ToArray(),
                LastHeartbeatAt = DateTimeOffset.FromUnixTimeMilliseconds(nowMs),
            };
            _workers[worker.WorkerId] = (stored, nowMs + WorkerInfo.TtlMs(ttl));
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task UnregisterWorkerAsync(string workerId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        WorkerInfo.ValidateWorkerId(workerId);
        lock (_gate)
        {
            _workers.Remove(workerId);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<WorkerInfo>> ListWorkersAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var nowMs = NowMs();
            // Live while the expiry is still ahead, as the Redis script drops scores ≤ now.
            foreach (var (id, entry) in _workers.Where(w => w.Value.ExpiresAtMs <= nowMs).ToList())
                _workers.Remove(id);
            IReadOnlyList<WorkerInfo> live = _workers.Values.Select(e => e.Worker)
                .OrderBy(w => w.WorkerId, StringComparer.Ordinal).ToArray();
            return Task.FromResult(live);
        }
    }
}
