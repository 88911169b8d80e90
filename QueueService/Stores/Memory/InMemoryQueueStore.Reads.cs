using QueueService.Tasks;

namespace QueueService.Stores.Memory;

// Reads: one task, pages, stats. Positions are ranks in the queue's index, O(log N).
public sealed partial class InMemoryQueueStore
{
    /// <inheritdoc/>
    public Task<QueueTask?> GetAsync(string taskId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TaskLimits.ValidateTaskId(taskId);
        lock (_gate)
        {
            return Task.FromResult(_tasks.TryGetValue(taskId, out var task) ? ReadLocked(task) : null);
        }
    }

    /// <inheritdoc/>
    public Task<TaskPage> ListAsync(TaskQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        query.Validate();
        lock (_gate)
        {
            var index = (query.Status, query.Type) switch
            {
                ({ } status, { } type) => _indexes.Of(status, type),
                ({ } status, null) => _indexes.Of(status),
                (null, { } type) => _indexes.All(type),
                (null, null) => _indexes.All(),
            };
            // Waiting work reads in the order it will happen; finished work and "everything" newest first.
            var descending = query.Status is null || query.Status.Value.IsFinished();
            var items = index.Range(query.Offset, descending).Take(query.Limit).Select(e => ReadLocked(_tasks[e.Id])).ToList();
            return Task.FromResult(new TaskPage(items, index.Count, query.Offset, query.Limit));
        }
    }

    /// <inheritdoc/>
    public Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var queues = new Dictionary<string, QueueTypeStats>(StringComparer.Ordinal);
            var totals = StatusCounts.Zero;
            foreach (var type in _indexes.Types)
            {
                var counts = new StatusCounts(
                    _indexes.Of(QueueTaskStatus.Queued, type).Count,
                    _indexes.Of(QueueTaskStatus.Scheduled, type).Count,
                    _indexes.Of(QueueTaskStatus.Processing, type).Count,
                    _indexes.Of(QueueTaskStatus.Completed, type).Count,
                    _indexes.Of(QueueTaskStatus.Failed, type).Count,
                    _indexes.Of(QueueTaskStatus.Cancelled, type).Count);
                var counters = CountersOf(type);
                var average = counters.AverageProcessingMs is { } ms ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null;
                queues[type] = new QueueTypeStats(type, counts, average, counters.EnqueuedTotal, counters.CompletedTotal, counters.FailedTotal);
                totals = totals.Add(counts);
            }
            return Task.FromResult(new QueueStats(queues, totals, DateTimeOffset.FromUnixTimeMilliseconds(NowMs())));
        }
    }

    private QueueTask ReadLocked(StoredTask task)
    {
        var (position, wait) = PositionLocked(task);
        return task.ToQueueTask(position, wait);
    }

    // 1 + the tasks ahead of it in its own queue, and the estimate built on it; nothing unless queued.
    private (long? Position, TimeSpan? Wait) PositionLocked(StoredTask task)
    {
        if (task.Status != QueueTaskStatus.Queued) return (null, null);
        var rank = _indexes.Of(QueueTaskStatus.Queued, task.Type).Rank(task.StatusScore, task.Id);
        long position = rank + 1;
        var average = _counters.GetValueOrDefault(task.Type)?.AverageProcessingMs;
        var processing = _indexes.Of(QueueTaskStatus.Processing, task.Type).Count;
        return (position, EtaEstimator.Estimate(position, average, processing));
    }
}
