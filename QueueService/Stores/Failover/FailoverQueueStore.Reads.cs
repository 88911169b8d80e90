using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using QueueService.Snapshots;
using QueueService.Tasks;

namespace QueueService.Stores.Failover;

// Reads, and the calls only Redis can answer (workers, maintenance, backups): Redis in redis mode;
// in memory-fallback reads come from memory and the rest answers Unavailable.
public sealed partial class FailoverQueueStore
{
    /// <inheritdoc/>
    /// <remarks>In memory-fallback: a task accepted during the outage from memory; any other → <see cref="StoreError.Unavailable"/> saying the store is degraded (never a wrong "not found").</remarks>
    public async Task<QueueTask?> GetAsync(string taskId, CancellationToken cancellationToken = default)
    {
        TaskLimits.ValidateTaskId(taskId);
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            if (!_fallback)
            {
                try
                {
                    return await OnPrimaryAsync(redis => redis.GetAsync(taskId, cancellationToken)).ConfigureAwait(false);
                }
                catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
                {
                    // Now in memory-fallback: the task may be one accepted there.
                }
            }
            if (await _memory.GetAsync(taskId, cancellationToken).ConfigureAwait(false) is { } task) return task;
            // The drain may have switched back (and emptied memory) since the mode was read: ask Redis.
            if (!_fallback) continue;
            throw DegradedTask(taskId);
        }
    }

    /// <inheritdoc/>
    /// <remarks>In memory-fallback: the tasks accepted during the outage only.</remarks>
    public Task<TaskPage> ListAsync(TaskQuery query, CancellationToken cancellationToken = default) =>
        ReadAsync((store, ct) => store.ListAsync(query, ct), cancellationToken);

    /// <inheritdoc/>
    /// <remarks>In memory-fallback: the figures of the tasks accepted during the outage only.</remarks>
    public Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync((store, ct) => store.GetStatsAsync(ct), cancellationToken);

    private async Task<T> ReadAsync<T>(Func<IQueueStore, CancellationToken, Task<T>> read, CancellationToken ct)
    {
        await EnsureStartedAsync(ct).ConfigureAwait(false);
        if (!_fallback)
        {
            try
            {
                return await OnPrimaryAsync(redis => read(redis, ct)).ConfigureAwait(false);
            }
            catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
            {
                // Now in memory-fallback.
            }
        }
        return await read(_memory, ct).ConfigureAwait(false);
    }

    /// <summary>A call only Redis answers: <see cref="StoreError.Unavailable"/> in memory-fallback.</summary>
    private async Task<T> RedisOnlyAsync<T>(string what, Func<IQueueStore, Task<T>> call, CancellationToken ct)
    {
        await EnsureStartedAsync(ct).ConfigureAwait(false);
        if (_fallback) throw Degraded(what);
        return await OnPrimaryAsync(redis => call(redis)).ConfigureAwait(false);
    }

    private async Task RedisOnlyAsync(string what, Func<IQueueStore, Task> call, CancellationToken ct)
    {
        await EnsureStartedAsync(ct).ConfigureAwait(false);
        if (_fallback) throw Degraded(what);
        await OnPrimaryAsync(async redis =>
        {
            await call(redis).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
    }

    private const string WorkersPause = "workers pause until it is back (leases, heartbeats and outcomes live in Redis)";
    private const string MaintenancePauses = "maintenance pauses until it is back";

    /// <inheritdoc/>
    public Task<IReadOnlyList<TaskLease>> LeaseAsync(string workerId, IReadOnlyList<string> queues, int maxTasks,
        TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
        RedisOnlyAsync(WorkersPause, store => store.LeaseAsync(workerId, queues, maxTasks, leaseDuration, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<HeartbeatResult> HeartbeatAsync(TaskLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
        RedisOnlyAsync(WorkersPause, store => store.HeartbeatAsync(lease, leaseDuration, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task ReportProgressAsync(TaskLease lease, TaskProgress progress, CancellationToken cancellationToken = default) =>
        RedisOnlyAsync(WorkersPause, store => store.ReportProgressAsync(lease, progress, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task CompleteAsync(TaskLease lease, string? resultJson, CancellationToken cancellationToken = default) =>
        RedisOnlyAsync(WorkersPause, store => store.CompleteAsync(lease, resultJson, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<CompleteAndLeaseResult> CompleteAndLeaseAsync(IReadOnlyList<TaskCompletion> completions, string workerId,
        IReadOnlyList<string> queues, int maxTasks, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
        RedisOnlyAsync(WorkersPause, store => store.CompleteAndLeaseAsync(completions, workerId, queues, maxTasks, leaseDuration, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<FailOutcome> FailAsync(TaskLease lease, TaskFailure failure, CancellationToken cancellationToken = default) =>
        RedisOnlyAsync(WorkersPause, store => store.FailAsync(lease, failure, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task ReleaseAsync(TaskLease lease, CancellationToken cancellationToken = default) =>
        RedisOnlyAsync(WorkersPause, store => store.ReleaseAsync(lease, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task ConfirmCancelAsync(TaskLease lease, CancellationToken cancellationToken = default) =>
        RedisOnlyAsync(WorkersPause, store => store.ConfirmCancelAsync(lease, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<int> PromoteDueAsync(int maxTasks = 1000, CancellationToken cancellationToken = default) =>
        RedisOnlyAsync(MaintenancePauses, store => store.PromoteDueAsync(maxTasks, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    /// <remarks>
    /// For <see cref="FailoverOptions.ReapGraceAfterOutage"/> after the store switched back from memory-fallback to Redis
    /// nothing is reclaimed (Redis is not asked): a worker whose lease ran out during the outage renews it first.
    /// </remarks>
    public async Task<IReadOnlyList<ReapedTask>> ReapExpiredAsync(int maxTasks = 1000, CancellationToken cancellationToken = default)
    {
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        var pausedUntilMs = Volatile.Read(ref _reapPausedUntilMs);
        if (!_fallback && _time.GetUtcNow().ToUnixTimeMilliseconds() < pausedUntilMs)
        {
            if (Interlocked.Exchange(ref _reapPauseLogged, 1) == 0)
                _logger.LogInformation("Reclaiming expired leases is paused until {Until} ({Grace} after Redis came back), so workers whose leases ran out during the outage renew them first",
                    DateTimeOffset.FromUnixTimeMilliseconds(pausedUntilMs), _options.ReapGraceAfterOutage);
            return [];
        }
        return await RedisOnlyAsync(MaintenancePauses, store => store.ReapExpiredAsync(maxTasks, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<long> PurgeFinishedAsync(TimeSpan olderThan, int maxTasks = 10_000, CancellationToken cancellationToken = default) =>
        RedisOnlyAsync(MaintenancePauses, store => store.PurgeFinishedAsync(olderThan, maxTasks, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    /// <remarks>In memory-fallback: waits out <paramref name="maxWait"/> and answers false (nothing runs from memory).</remarks>
    public async Task<bool> WaitForWorkAsync(IReadOnlyList<string> queues, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        if (!_fallback) return await OnPrimaryAsync(redis => redis.WaitForWorkAsync(queues, maxWait, cancellationToken)).ConfigureAwait(false);
        TaskLimits.ValidateQueues(queues);
        if (maxWait < TimeSpan.Zero) throw QueueStoreException.Invalid("maxWait", $"maxWait must be 0 or more; got {maxWait}.");
        await Task.Delay(maxWait, _time, cancellationToken).ConfigureAwait(false);
        return false;
    }

    /// <inheritdoc/>
    public Task RegisterWorkerAsync(WorkerInfo worker, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        RedisOnlyAsync("the worker registry lives in Redis", store => store.RegisterWorkerAsync(worker, ttl, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task UnregisterWorkerAsync(string workerId, CancellationToken cancellationToken = default) =>
        RedisOnlyAsync("the worker registry lives in Redis", store => store.UnregisterWorkerAsync(workerId, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<WorkerInfo>> ListWorkersAsync(CancellationToken cancellationToken = default) =>
        RedisOnlyAsync("the worker registry lives in Redis", store => store.ListWorkersAsync(cancellationToken), cancellationToken);

    /// <inheritdoc/>
    /// <remarks>In memory-fallback → <see cref="StoreError.Unavailable"/>: the epoch is Redis's.</remarks>
    public Task<string?> GetEpochAsync(CancellationToken cancellationToken = default) =>
        RedisOnlyAsync("the epoch is Redis's", store => store.GetEpochAsync(cancellationToken), cancellationToken);

    private const string BackupsSkipped = "backups are skipped until it is back (the failover journal is the durable copy of the tasks accepted meanwhile)";

    /// <inheritdoc/>
    /// <remarks>In memory-fallback → <see cref="StoreError.Unavailable"/>: backups are skipped (the journal is the durable copy).</remarks>
    public async IAsyncEnumerable<StoreSnapshot> ExportPagesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        if (_fallback) throw Degraded(BackupsSkipped);
        var pages = _primary.ExportPagesAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (pages.ConfigureAwait(false))
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await pages.MoveNextAsync().ConfigureAwait(false);
                }
                catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
                {
                    EnterFallback(ex.Message);
                    throw;
                }
                if (!more) yield break;
                yield return pages.Current;
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>In memory-fallback → <see cref="StoreError.Unavailable"/>: a restore goes into Redis.</remarks>
    public Task<ImportResult> ImportAsync(StoreSnapshot snapshot, CancellationToken cancellationToken = default) =>
        RedisOnlyAsync("a restore goes into Redis", store => store.ImportAsync(snapshot, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<ImportResult> ImportAsync(StoreSnapshot snapshot, ImportOptions options, CancellationToken cancellationToken = default) =>
        RedisOnlyAsync("a restore goes into Redis", store => store.ImportAsync(snapshot, options, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<TaskLease>> ListLeasesAsync(string workerId, CancellationToken cancellationToken = default) =>
        RedisOnlyAsync("leases live in Redis", store => store.ListLeasesAsync(workerId, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    /// <remarks>In memory-fallback → <see cref="StoreError.Unavailable"/>: the lock elects the backup writer, and backups are skipped.</remarks>
    public Task<bool> TryLockAsync(string name, string owner, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        RedisOnlyAsync(BackupsSkipped, store => store.TryLockAsync(name, owner, ttl, cancellationToken), cancellationToken);
}
