using Microsoft.Extensions.Logging;
using QueueService.Stores.Memory;
using QueueService.Tasks;

namespace QueueService.Stores.Failover;

// Submissions, cancels and retries: Redis in redis mode; in memory-fallback the journal (durable) first,
// then the memory store, then the answer. Every memory-side change passes the drain gate.
public sealed partial class FailoverQueueStore
{
    private readonly DrainGate _gate = new();

    /// <inheritdoc/>
    /// <remarks>
    /// The id is chosen before the first try (a version-7 GUID from the store's clock when the caller gave
    /// none), so a submission that timed out in Redis and is then accepted into memory keeps its id, and the
    /// drain's enqueue of it is a no-op if Redis had applied it after all. In memory-fallback a delay becomes
    /// a run time before it is journalled. A journal that cannot be written → <see cref="StoreError.Unavailable"/>, nothing accepted.
    /// </remarks>
    public async Task<EnqueueResult> EnqueueAsync(NewTask task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        TaskLimits.Validate(task, _storeOptions.MaxPayloadBytes);
        var withId = task.Id is null ? task with { Id = TaskLimits.NewTaskId(_time) } : task;
        return (await SubmitAsync([withId], cancellationToken).ConfigureAwait(false))[0];
    }

    /// <inheritdoc/>
    /// <remarks>As <see cref="EnqueueAsync"/>; in memory-fallback the whole batch is one journal group (one write, one fsync).</remarks>
    public async Task<IReadOnlyList<EnqueueResult>> EnqueueBatchAsync(IReadOnlyList<NewTask> tasks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        var withIds = new NewTask[tasks.Count];
        for (var i = 0; i < tasks.Count; i++)
        {
            try
            {
                TaskLimits.Validate(tasks[i], _storeOptions.MaxPayloadBytes);
            }
            catch (QueueStoreException e) when (e.Error == StoreError.Invalid && tasks.Count > 1)
            {
                throw new QueueStoreException(StoreError.Invalid, $"task {i} of the batch: {e.Message}", field: e.Field, inner: e);
            }
            withIds[i] = tasks[i].Id is null ? tasks[i] with { Id = TaskLimits.NewTaskId(_time) } : tasks[i];
        }
        return await SubmitAsync(withIds, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<EnqueueResult>> SubmitAsync(NewTask[] tasks, CancellationToken ct)
    {
        while (true)
        {
            if (!_fallback)
            {
                try
                {
                    var results = await OnPrimaryAsync(redis => redis.EnqueueBatchAsync(tasks, ct)).ConfigureAwait(false);
                    RecordSubmissions(tasks, results);
                    return results;
                }
                catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
                {
                    // Now in memory-fallback: accept it there, same ids (a chunk Redis applied is drained as a no-op).
                }
            }
            await _gate.EnterAsync(ct).ConfigureAwait(false);
            try
            {
                // The drain may have switched back to redis while this call waited at the gate.
                if (!_fallback) continue;
                var journal = _journal ?? throw JournalUnavailable(_journalError ?? "it is not open");
                var now = _time.GetUtcNow();
                var accepted = new NewTask[tasks.Length];
                var entries = new JournalEntry[tasks.Length];
                for (var i = 0; i < tasks.Length; i++)
                {
                    accepted[i] = WithRunTime(tasks[i], now);
                    entries[i] = new JournalEntry(JournalEntryKind.Enqueued, accepted[i].Id!, now, accepted[i]);
                }
                var memory = _memory;
                // Ids the memory store holds already are not journalled again (a client's retry of the same id).
                var fresh = new List<JournalEntry>(entries.Length);
                foreach (var entry in entries)
                {
                    if (await memory.GetAsync(entry.TaskId, ct).ConfigureAwait(false) is null) fresh.Add(entry);
                }
                await AppendAsync(journal, fresh, ct).ConfigureAwait(false);
                return await memory.EnqueueBatchAsync(accepted, CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                _gate.Exit();
            }
        }
    }

    /// <summary>Records in the redo log the submissions Redis created (an id it held already was recorded when it was created), before they are acknowledged.</summary>
    private void RecordSubmissions(NewTask[] tasks, IReadOnlyList<EnqueueResult> results)
    {
        if (_redo is null) return;
        var now = _time.GetUtcNow();
        var entries = new List<JournalEntry>(results.Count);
        for (var i = 0; i < results.Count && i < tasks.Length; i++)
        {
            if (!results[i].Created) continue;
            // Redis turned a delay into a run time on its clock; this one is the API's, a few ms later at most.
            var task = WithRunTime(tasks[i], now) with { Id = results[i].Id };
            entries.Add(new JournalEntry(JournalEntryKind.Enqueued, results[i].Id, results[i].CreatedAt, task));
        }
        _redo.Append(entries);
    }

    /// <summary>A delay becomes a run time on the store's clock, so a replay or a drain later keeps the time the submitter asked for.</summary>
    private static NewTask WithRunTime(NewTask task, DateTimeOffset now) =>
        task.Delay is { } delay
            ? task with { Delay = null, RunAt = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds() + TaskLimits.DelayMs(delay)) }
            : task;

    /// <inheritdoc/>
    /// <remarks>In memory-fallback: a task accepted during the outage is cancelled (journalled first); any other → <see cref="StoreError.Unavailable"/>.</remarks>
    public Task<CancelOutcome> CancelAsync(string taskId, CancellationToken cancellationToken = default) =>
        ChangeAsync(taskId, TaskOperation.Cancel, JournalEntryKind.Cancelled,
            (redis, ct) => redis.CancelAsync(taskId, ct), (memory, ct) => memory.CancelAsync(taskId, ct), cancellationToken);

    /// <inheritdoc/>
    /// <remarks>In memory-fallback: a task accepted during the outage is retried (journalled first); any other → <see cref="StoreError.Unavailable"/>.</remarks>
    public Task<QueueTask> RetryAsync(string taskId, CancellationToken cancellationToken = default) =>
        ChangeAsync(taskId, TaskOperation.Retry, JournalEntryKind.Retried,
            (redis, ct) => redis.RetryAsync(taskId, ct), (memory, ct) => memory.RetryAsync(taskId, ct), cancellationToken);

    private async Task<T> ChangeAsync<T>(string taskId, TaskOperation operation, JournalEntryKind kind,
        Func<IQueueStore, CancellationToken, Task<T>> onRedis, Func<IQueueStore, CancellationToken, Task<T>> onMemory, CancellationToken ct)
    {
        TaskLimits.ValidateTaskId(taskId);
        await EnsureStartedAsync(ct).ConfigureAwait(false);
        while (true)
        {
            if (!_fallback)
            {
                try
                {
                    var changed = await OnPrimaryAsync(redis => onRedis(redis, ct)).ConfigureAwait(false);
                    _redo?.Append(new JournalEntry(kind, taskId, _time.GetUtcNow()));
                    return changed;
                }
                catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
                {
                    // Now in memory-fallback: the task may be one accepted there (a submission that timed out in Redis).
                }
            }
            await _gate.EnterAsync(ct).ConfigureAwait(false);
            try
            {
                if (!_fallback) continue;
                var memory = _memory;
                var task = await memory.GetAsync(taskId, ct).ConfigureAwait(false) ?? throw DegradedTask(taskId);
                // Refused changes are not journalled: the memory store answers them as it would (409).
                if (!TaskTransitions.IsAllowed(operation, task.Status)) return await onMemory(memory, ct).ConfigureAwait(false);
                var journal = _journal ?? throw JournalUnavailable(_journalError ?? "it is not open");
                await AppendAsync(journal, [new JournalEntry(kind, taskId, _time.GetUtcNow())], ct).ConfigureAwait(false);
                return await onMemory(memory, CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                _gate.Exit();
            }
        }
    }

    private async Task AppendAsync(FailoverJournal journal, List<JournalEntry> entries, CancellationToken ct)
    {
        if (entries.Count == 0) return;
        try
        {
            if (entries.Count == 1) await journal.AppendAsync(entries[0], ct).ConfigureAwait(false);
            else await journal.AppendAsync(entries, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            _logger.LogError(ex, "The failover journal {Path} could not be written: the change was refused (503)", JournalPath);
            throw JournalUnavailable(ex.Message, ex);
        }
    }

    private QueueStoreException JournalUnavailable(string reason, Exception? inner = null) =>
        new(StoreError.Unavailable,
            $"Redis is unavailable and the failover journal {Path.GetFileName(JournalPath)} cannot be written ({reason}): nothing was accepted. Try again later.",
            inner: inner);

    /// <summary>Applies journal entries to a memory store, in order: enqueues by id, then cancels and retries (a refused one is skipped: it was refused when made too, or repeats).</summary>
    /// <returns>How many tasks were enqueued.</returns>
    private static async Task<int> ReplayAsync(InMemoryQueueStore memory, IReadOnlyList<JournalEntry> entries, CancellationToken ct)
    {
        var enqueued = 0;
        foreach (var entry in entries)
        {
            try
            {
                switch (entry.Kind)
                {
                    case JournalEntryKind.Enqueued when entry.Task is { } task:
                        // Accepted when it was journalled, not when it is replayed.
                        if ((await memory.EnqueueAsync(task with { Id = entry.TaskId, CreatedAt = entry.At }, ct).ConfigureAwait(false)).Created) enqueued++;
                        break;
                    case JournalEntryKind.Cancelled:
                        await memory.CancelAsync(entry.TaskId, ct).ConfigureAwait(false);
                        break;
                    case JournalEntryKind.Retried:
                        await memory.RetryAsync(entry.TaskId, ct).ConfigureAwait(false);
                        break;
                }
            }
            catch (QueueStoreException ex) when (ex.Error is StoreError.NotFound or StoreError.IllegalTransition or StoreError.Invalid)
            {
                // A change that cannot apply now could not when it was made either.
            }
        }
        return enqueued;
    }

    /// <summary>
    /// The gate between memory-side changes and the drain's last pass: changes enter it shared; the last pass
    /// closes it, waits for the changes inside to finish, and opens it after the switch, so no change
    /// lands in memory after the last pass read it.
    /// </summary>
    private sealed class DrainGate
    {
        private readonly Lock _lock = new();
        private int _inside;
        private TaskCompletionSource? _opened;
        private TaskCompletionSource? _empty;

        public async ValueTask EnterAsync(CancellationToken ct)
        {
            while (true)
            {
                Task wait;
                lock (_lock)
                {
                    if (_opened is null)
                    {
                        _inside++;
                        return;
                    }
                    wait = _opened.Task;
                }
                await wait.WaitAsync(ct).ConfigureAwait(false);
            }
        }

        public void Exit()
        {
            TaskCompletionSource? empty = null;
            lock (_lock)
            {
                if (--_inside == 0) empty = _empty;
            }
            empty?.TrySetResult();
        }

        /// <summary>Closes the gate and waits until no change is inside.</summary>
        public async Task CloseAsync(CancellationToken ct)
        {
            Task wait;
            lock (_lock)
            {
                _opened ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _empty = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_inside == 0) return;
                wait = _empty.Task;
            }
            await wait.WaitAsync(ct).ConfigureAwait(false);
        }

        public void Open()
        {
            TaskCompletionSource? opened;
            lock (_lock)
            {
                opened = _opened;
                _opened = null;
                _empty = null;
            }
            opened?.TrySetResult();
        }
    }
}
