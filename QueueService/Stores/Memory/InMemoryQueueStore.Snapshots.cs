using System.Runtime.CompilerServices;
using QueueService.Snapshots;
using QueueService.Tasks;

namespace QueueService.Stores.Memory;

// Export and import for backups: pages of tasks, each under one short hold of the lock.
public sealed partial class InMemoryQueueStore
{
    // Tasks per export page: one hold of the lock copies about 0.2 ms of them.
    private const int ExportPageSize = 1000;

    private string _epoch = Guid.NewGuid().ToString("N");

    /// <inheritdoc/>
    public Task<string?> GetEpochAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate) return Task.FromResult<string?>(_epoch);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<StoreSnapshot> ExportPagesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var part = new StoreSnapshot { Store = Kind };
        lock (_gate)
        {
            part.Epoch = _epoch;
            part.TakenAtMs = NowMs();
            part.Sequence = _sequence;
            foreach (var (type, counters) in _counters)
                part.Queues.Add(new SnapshotQueueStats
                {
                    Type = type, Completed = counters.CompletedTotal, Failed = counters.FailedTotal,
                    AverageProcessingMs = counters.AverageProcessingMs, Enqueued = counters.EnqueuedTotal,
                });
        }
        // Paged by creation sequence, which never changes: each task is read once, exact as of its page.
        // The lock is free while the caller handles a page (a backup encodes and writes it).
        var after = long.MinValue;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            lock (_gate)
            {
                var all = _indexes.All();
                foreach (var entry in all.Range(all.CountAtOrBelow(after)))
                {
                    part.Tasks.Add(ToSnapshot(_tasks[entry.Id]));
                    after = entry.Score;
                    if (part.Tasks.Count == ExportPageSize) break;
                }
            }
            var full = part.Tasks.Count == ExportPageSize;
            yield return part;
            if (!full) yield break;
            part = new StoreSnapshot();
            // Let waiting enqueues and leases in between pages even when the caller is quick.
            await Task.Yield();
        }
    }

    /// <inheritdoc/>
    public Task<ImportResult> ImportAsync(StoreSnapshot snapshot, CancellationToken cancellationToken = default) =>
        ImportAsync(snapshot, ImportOptions.Default, cancellationToken);

    /// <inheritdoc/>
    public async Task<ImportResult> ImportAsync(StoreSnapshot snapshot, ImportOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var holdMs = SnapshotImport.ValidateHold(options);
        int imported = 0, skipped = 0, requeued = 0, held = 0;
        lock (_gate)
        {
            if (_tasks.Count == 0 && !string.IsNullOrEmpty(snapshot.Epoch)) _epoch = snapshot.Epoch;
            foreach (var stats in SnapshotImport.CountersAsOfTasks(snapshot))
            {
                if (_counters.ContainsKey(stats.Type) || !TaskLimits.IsValidQueueName(stats.Type)) continue;
                var counters = CountersOf(stats.Type);
                counters.CompletedTotal = stats.Completed;
                counters.FailedTotal = stats.Failed;
                counters.AverageProcessingMs = stats.AverageProcessingMs;
                counters.EnqueuedTotal = stats.Enqueued;
            }
            _sequence = Math.Max(_sequence, snapshot.Sequence);
        }
        for (var start = 0; start < snapshot.Tasks.Count; start += SnapshotImport.StepSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long? holdUntilMs = holdMs is { } ms ? NowMs() + ms : null;
            var step = snapshot.Tasks.Skip(start).Take(SnapshotImport.StepSize)
                .Select(t => SnapshotImport.Prepare(t, snapshot.TakenAtMs, holdUntilMs)).ToList(); // validate the step before storing any
            lock (_gate)
            {
                foreach (var (task, status, back) in step)
                {
                    if (_tasks.ContainsKey(task.Id))
                    {
                        skipped++;
                        continue;
                    }
                    var stored = FromSnapshot(task, status);
                    _tasks.Add(stored.Id, stored);
                    _indexes.AddNew(stored);
                    _sequence = Math.Max(_sequence, Math.Max(Math.Max(stored.RunSeq, stored.CreatedSeq), stored.LeaseToken ?? 0));
                    if (status == QueueTaskStatus.Queued) SignalLocked(stored.Type);
                    imported++;
                    if (back) requeued++;
                    if (status == QueueTaskStatus.Processing) held++;
                }
            }
            await Task.Yield();
        }
        return new ImportResult(imported, skipped, requeued, held);
    }

    private readonly Dictionary<string, (string Owner, long ExpiresAtMs)> _locks = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public Task<bool> TryLockAsync(string name, string owner, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var ttlMs = SnapshotImport.ValidateLock(name, owner, ttl);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = NowMs();
            if (_locks.TryGetValue(name, out var held) && held.ExpiresAtMs > now && held.Owner != owner)
                return Task.FromResult(false);
            _locks[name] = (owner, now + ttlMs);
            return Task.FromResult(true);
        }
    }

    private static SnapshotTask ToSnapshot(StoredTask t) => new()
    {
        Id = t.Id, Type = t.Type, PayloadJson = t.PayloadJson, Priority = t.Priority, Status = t.Status.ToWire(),
        Attempts = t.Attempts, MaxRetries = t.MaxRetries, Seq = t.RunSeq, CreatedSeq = t.CreatedSeq,
        CreatedAtMs = t.CreatedAtMs, UpdatedAtMs = t.UpdatedAtMs, StartedAtMs = t.StartedAtMs,
        CompletedAtMs = t.CompletedAtMs, ScheduledForMs = t.ScheduledForMs, WorkerId = t.WorkerId,
        LeaseToken = t.LeaseToken, LeaseExpiresAtMs = t.LeaseExpiresAtMs, CancelRequested = t.IsCancelRequested,
        ProgressPercent = t.Progress?.Percent, ProgressMessage = t.Progress?.Message, ProgressDetailsJson = t.Progress?.DetailsJson,
        ResultJson = t.ResultJson, LastError = t.LastError,
        Errors = t.ErrorHistory.Select(SnapshotTaskError.From).ToList(),
    };

    private static StoredTask FromSnapshot(SnapshotTask t, QueueTaskStatus status)
    {
        var stored = new StoredTask
        {
            Id = t.Id, Type = t.Type, PayloadJson = t.PayloadJson, Priority = t.Priority, MaxRetries = t.MaxRetries,
            CreatedSeq = SnapshotImport.CreatedSeqOf(t), CreatedAtMs = t.CreatedAtMs,
            Status = status, RunSeq = t.Seq, Attempts = t.Attempts, UpdatedAtMs = t.UpdatedAtMs,
            StartedAtMs = t.StartedAtMs, CompletedAtMs = t.CompletedAtMs, ScheduledForMs = t.ScheduledForMs,
            WorkerId = t.WorkerId, LeaseToken = t.LeaseToken, LeaseExpiresAtMs = t.LeaseExpiresAtMs,
            IsCancelRequested = t.CancelRequested,
            Progress = t.ProgressPercent is { } percent ? new TaskProgress(percent, t.ProgressMessage, t.ProgressDetailsJson) : null,
            ResultJson = t.ResultJson, LastError = t.LastError,
        };
        stored.ErrorHistory.AddRange(t.Errors.Select(e => e.ToEntry()));
        return stored;
    }
}
