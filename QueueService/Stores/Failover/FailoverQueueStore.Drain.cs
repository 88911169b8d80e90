using System.Diagnostics;
using Microsoft.Extensions.Logging;
using QueueService.Snapshots;
using QueueService.Stores.Memory;
using QueueService.Tasks;

namespace QueueService.Stores.Failover;

// The probe and the drain back into Redis (docs/failover.md, "Drain").
public sealed partial class FailoverQueueStore
{
    // Passes with the gate open while submissions keep arriving; then the last pass runs with it closed.
    private const int MaxOpenPasses = 8;

    // Tasks per enqueue call of the drain: one script each, short enough to stay far below a client time-out
    // on a busy Redis (a timed-out call may still apply; the next drain then finds those ids present).
    private const int DrainBatch = 250;

    private int _drains;

    /// <summary>
    /// Every <see cref="FailoverOptions.ProbeInterval"/>: in memory-fallback asks Redis for its epoch and, when
    /// it answers, drains; in either mode subscribes the merged event feed to Redis when that is still owed.
    /// A failed drain is logged and tried again at the next tick; the journal keeps everything meanwhile.
    /// </summary>
    private async Task ProbeLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_options.ProbeInterval, _time);
        // A store that started in memory-fallback with Redis up drains at once, not a tick later.
        var first = true;
        while (first || await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            first = false;
            try
            {
                await TrySubscribePrimaryEventsAsync(ct).ConfigureAwait(false);
            }
            catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
            {
                _logger.LogDebug("Failover probe: the event feed still waits for Redis ({Reason})", ex.Message);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            try
            {
                if (!_fallback)
                {
                    _knownEpoch ??= await _primary.GetEpochAsync(ct).ConfigureAwait(false);
                    continue;
                }
                var epoch = await _primary.GetEpochAsync(ct).ConfigureAwait(false);
                await DrainAsync(epoch, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
            {
                _logger.LogDebug("Failover probe: Redis still unavailable ({Reason})", ex.Message);
                await WriteEmergencySnapshotIfDueAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Whatever failed (the restore, the journal reset, Redis refusing a script), the probe must live on:
                // the journal keeps every task and the next tick tries again.
                _logger.LogError(ex, "The drain into Redis failed ({Reason}); the journal {Journal} keeps every task and the drain is tried again in {Interval}",
                    ex.Message, JournalPath, _options.ProbeInterval);
            }
        }
    }

    /// <summary>
    /// Restores Redis first when it came back without the epoch it had (or with none), then enqueues the memory
    /// tasks into it by id in the order they were accepted, in passes until no new submission arrives, the last one
    /// behind the closed gate; then switches to redis, empties the journal and starts a fresh memory store.
    /// </summary>
    private async Task DrainAsync(string? redisEpoch, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var restored = false;
        if ((redisEpoch is null || redisEpoch != _knownEpoch) && restoreIfNeeded is not null)
        {
            _logger.LogWarning("Redis answers again with epoch {Epoch}, not the {Known} it had before the outage: restoring the newest snapshot before the drain",
                redisEpoch ?? "none", _knownEpoch ?? "unknown");
            await restoreIfNeeded(ct).ConfigureAwait(false);
            restored = true;
        }
        _knownEpoch = await _primary.EnsureEpochAsync(ct).ConfigureAwait(false);

        var memory = _memory;
        var tally = new DrainTally();
        var passes = 0;
        while (passes < MaxOpenPasses)
        {
            passes++;
            if (await DrainPassAsync(memory, tally, ct).ConfigureAwait(false) == 0) break;
        }

        var gateClock = Stopwatch.StartNew();
        await _gate.CloseAsync(ct).ConfigureAwait(false);
        try
        {
            passes++;
            await DrainPassAsync(memory, tally, ct).ConfigureAwait(false);
            // What the drain moved into Redis goes to the redo log before the journal lets go of it.
            _redo?.Append(tally.Moved);
            // Emptied while the gate is closed: nothing can be journalled between the last pass and the reset. Every
            // task of the emergency snapshots is in Redis now too.
            DeleteEmergencySnapshots();
            if (_journal is { } journal) await journal.ResetAsync(ct).ConfigureAwait(false);
            var outage = _time.GetUtcNow() - _fallbackSince;
            lock (_modeLock)
            {
                _fallback = false;
                Volatile.Write(ref _reapPausedUntilMs, (_time.GetUtcNow() + _options.ReapGraceAfterOutage).ToUnixTimeMilliseconds());
                _reapPauseLogged = 0;
            }
            _memory = new InMemoryQueueStore(_storeOptions, _time);
            Interlocked.Increment(ref _drains);
            await SwapMemoryEventsAsync(_memory).ConfigureAwait(false);
            _logger.LogInformation(
                "Redis answers again: the store runs on Redis (memory-fallback lasted {Outage}). Drained {Tasks} tasks accepted during the outage " +
                "({Created} new in Redis, {Present} already there, {Cancelled} cancelled, {Retried} retried) in {Passes} passes and {DurationMs} ms, " +
                "submissions held at the gate {GateMs} ms; snapshot restore first: {Restored}",
                outage, tally.Tasks, tally.Created, tally.Present, tally.Cancelled, tally.Retried, passes, clock.ElapsedMilliseconds,
                gateClock.ElapsedMilliseconds, restored);
        }
        finally
        {
            _gate.Open();
        }
    }

    /// <summary>One pass over the memory store in creation order: enqueues into Redis what it has not yet, and carries over cancels and retries made since.</summary>
    /// <returns>How many tasks this pass changed in Redis (0: nothing new).</returns>
    private async Task<int> DrainPassAsync(InMemoryQueueStore memory, DrainTally tally, CancellationToken ct)
    {
        var changed = 0;
        await foreach (var page in memory.ExportPagesAsync(ct).ConfigureAwait(false))
        {
            foreach (var fresh in page.Tasks.Where(t => !tally.InRedis.ContainsKey(t.Id)).Chunk(DrainBatch))
            {
                var results = await _primary.EnqueueBatchAsync(fresh.Select(ToNewTask).ToList(), ct).ConfigureAwait(false);
                var now = _time.GetUtcNow();
                for (var i = 0; i < results.Count; i++)
                {
                    tally.Moved.Add(new JournalEntry(JournalEntryKind.Enqueued, fresh[i].Id, results[i].Created ? results[i].CreatedAt : now, ToNewTask(fresh[i])));
                    tally.InRedis[fresh[i].Id] = results[i].Status;
                    if (results[i].Created) tally.Created++;
                    else tally.Present++;
                }
                tally.Tasks += fresh.Length;
                changed += fresh.Length;
            }
            foreach (var task in page.Tasks)
            {
                var inMemory = QueueTaskStatusNames.Parse(task.Status);
                var inRedis = tally.InRedis[task.Id];
                if (inMemory == QueueTaskStatus.Cancelled && TaskTransitions.IsAllowed(TaskOperation.Cancel, inRedis))
                {
                    await IgnoreRefusalAsync(() => _primary.CancelAsync(task.Id, ct)).ConfigureAwait(false);
                    tally.Moved.Add(new JournalEntry(JournalEntryKind.Cancelled, task.Id, _time.GetUtcNow()));
                    tally.InRedis[task.Id] = QueueTaskStatus.Cancelled;
                    tally.Cancelled++;
                    changed++;
                }
                else if (inMemory is QueueTaskStatus.Queued or QueueTaskStatus.Scheduled && inRedis == QueueTaskStatus.Cancelled)
                {
                    await IgnoreRefusalAsync(() => _primary.RetryAsync(task.Id, ct)).ConfigureAwait(false);
                    tally.Moved.Add(new JournalEntry(JournalEntryKind.Retried, task.Id, _time.GetUtcNow()));
                    tally.InRedis[task.Id] = QueueTaskStatus.Queued;
                    tally.Retried++;
                    changed++;
                }
            }
        }
        return changed;
    }

    /// <summary>A change the task's state in Redis no longer allows (a worker finished it meanwhile) is left as Redis has it.</summary>
    private static async Task IgnoreRefusalAsync(Func<Task> change)
    {
        try
        {
            await change().ConfigureAwait(false);
        }
        catch (QueueStoreException ex) when (ex.Error is StoreError.IllegalTransition or StoreError.NotFound)
        {
        }
    }

    /// <summary>The submission a memory task came from, by id: a scheduled one keeps its run time, and each the time it was accepted.</summary>
    private static NewTask ToNewTask(SnapshotTask task) => new(task.Type, task.PayloadJson)
    {
        Id = task.Id,
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(task.CreatedAtMs),
        Priority = task.Priority,
        MaxRetries = task.MaxRetries,
        RunAt = task.Status == QueueTaskStatus.Scheduled.ToWire() && task.ScheduledForMs is { } due
            ? DateTimeOffset.FromUnixTimeMilliseconds(due)
            : null,
    };

    /// <summary>What one drain did, and the status it left each task in Redis.</summary>
    private sealed class DrainTally
    {
        public Dictionary<string, QueueTaskStatus> InRedis { get; } = new(StringComparer.Ordinal);
        /// <summary>What the drain told Redis, for the redo log.</summary>
        public List<JournalEntry> Moved { get; } = [];
        public int Tasks { get; set; }
        public int Created { get; set; }
        public int Present { get; set; }
        public int Cancelled { get; set; }
        public int Retried { get; set; }
    }
}
