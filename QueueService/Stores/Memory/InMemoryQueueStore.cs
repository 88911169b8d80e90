using QueueService.Tasks;

namespace QueueService.Stores.Memory;

/// <summary>
/// The in-memory <see cref="IQueueStore"/>: the embedded default and the failover target, with the
/// exact semantics of <c>docs/store-semantics.md</c> (the contract suite runs against both stores).
/// One lock guards everything; inside it every operation costs O(log N) per task touched. Times come
/// from the injected <see cref="TimeProvider"/>, truncated to milliseconds as Redis reports them.
/// </summary>
public sealed partial class InMemoryQueueStore : IQueueStore
{
    private readonly QueueStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly BackoffPolicy _backoff;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StoredTask> _tasks = new(StringComparer.Ordinal);
    private readonly TaskIndexes _indexes = new();
    private readonly Dictionary<string, QueueCounters> _counters = new(StringComparer.Ordinal);
    // One counter for enqueue sequences and lease tokens, as the Redis `seq` key.
    private long _sequence;

    /// <summary>Creates an empty store.</summary>
    public InMemoryQueueStore(QueueStoreOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _time = time;
        _backoff = new BackoffPolicy(options.Backoff);
    }

    /// <inheritdoc/>
    public string Kind => "memory";

    /// <inheritdoc/>
    public Task<EnqueueResult> EnqueueAsync(NewTask task, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TaskLimits.Validate(task, _options.MaxPayloadBytes);
        EnqueueResult result;
        lock (_gate)
        {
            result = EnqueueLocked(task, NowMs());
        }
        return Task.FromResult(result);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<EnqueueResult>> EnqueueBatchAsync(IReadOnlyList<NewTask> tasks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        cancellationToken.ThrowIfCancellationRequested();
        // Validate every task before storing any: the batch is all or nothing.
        for (var i = 0; i < tasks.Count; i++)
        {
            try
            {
                TaskLimits.Validate(tasks[i], _options.MaxPayloadBytes);
            }
            catch (QueueStoreException e) when (e.Error == StoreError.Invalid)
            {
                throw new QueueStoreException(StoreError.Invalid, $"task {i} of the batch: {e.Message}", field: e.Field, inner: e);
            }
        }
        var results = new EnqueueResult[tasks.Count];
        lock (_gate)
        {
            var nowMs = NowMs();
            for (var i = 0; i < tasks.Count; i++) results[i] = EnqueueLocked(tasks[i], nowMs);
        }
        return Task.FromResult<IReadOnlyList<EnqueueResult>>(results);
    }

    private EnqueueResult EnqueueLocked(NewTask task, long nowMs)
    {
        if (task.Id is not null && _tasks.TryGetValue(task.Id, out var existing))
            return ResultOf(existing, created: false);

        var seq = NextSequence();
        long? dueMs = task switch
        {
            { Delay: { } delay } when delay > TimeSpan.Zero => nowMs + TaskLimits.DelayMs(delay),
            { RunAt: { } runAt } when runAt.ToUnixTimeMilliseconds() > nowMs => runAt.ToUnixTimeMilliseconds(),
            _ => null,
        };
        var stored = new StoredTask
        {
            Id = task.Id ?? TaskLimits.NewTaskId(_time),
            Type = task.Type,
            PayloadJson = task.PayloadJson,
            Priority = task.Priority,
            MaxRetries = task.MaxRetries,
            CreatedSeq = seq,
            CreatedAtMs = task.CreatedAt?.ToUnixTimeMilliseconds() ?? nowMs,
            UpdatedAtMs = nowMs,
            RunSeq = seq,
            Status = dueMs is null ? QueueTaskStatus.Queued : QueueTaskStatus.Scheduled,
            ScheduledForMs = dueMs,
        };
        _tasks.Add(stored.Id, stored);
        _indexes.AddNew(stored);
        CountersOf(stored.Type).EnqueuedTotal++;
        if (stored.Status == QueueTaskStatus.Queued) SignalLocked(stored.Type);
        PublishLocked(stored.Status == QueueTaskStatus.Queued ? TaskEventKind.Queued : TaskEventKind.Scheduled, stored, nowMs);
        return ResultOf(stored, created: true);
    }

    private EnqueueResult ResultOf(StoredTask task, bool created)
    {
        var (position, wait) = PositionLocked(task);
        return new EnqueueResult(task.Id, created, task.Status, DateTimeOffset.FromUnixTimeMilliseconds(task.CreatedAtMs), position, wait);
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private long NextSequence() => ++_sequence;

    private QueueCounters CountersOf(string type)
    {
        if (!_counters.TryGetValue(type, out var counters))
        {
            counters = new QueueCounters();
            _counters[type] = counters;
        }
        return counters;
    }

    /// <summary>Moves a task to another status, keeping the indexes right and stamping <c>updatedAt</c>.</summary>
    private void MoveLocked(StoredTask task, QueueTaskStatus to, long nowMs, Action<StoredTask>? change = null)
    {
        _indexes.Unindex(task);
        task.Status = to;
        task.UpdatedAtMs = nowMs;
        if (to.IsFinished()) task.CompletedAtMs = nowMs;
        if (to != QueueTaskStatus.Processing) task.ClearLease();
        if (to != QueueTaskStatus.Scheduled) task.ScheduledForMs = null;
        change?.Invoke(task);
        _indexes.Index(task);
        if (to == QueueTaskStatus.Queued) SignalLocked(task.Type);
    }

    /// <summary>Lifetime figures of one queue (the Redis <c>stats</c> hash).</summary>
    private sealed class QueueCounters
    {
        public long EnqueuedTotal { get; set; }
        public long CompletedTotal { get; set; }
        public long FailedTotal { get; set; }
        public double? AverageProcessingMs { get; set; }
    }
}
