using QueueService.Stores;
using QueueService.Tasks;

namespace QueueHttpApi.Monitoring;

/// <summary>
/// Builds <see cref="StatsView"/> from the store: <see cref="IQueueStore.GetStatsAsync"/> for the counts and
/// averages, <see cref="IQueueStore.ListWorkersAsync"/> for the workers, and, per queue with queued tasks,
/// the head of the queue (<see cref="IQueueStore.ListAsync"/>, one task) for its age.
/// </summary>
/// <remarks>
/// The store keeps no index of queued tasks by age, so the oldest queued age is the age of the task that
/// runs next: with one priority (the default) that is the oldest; with several, a lower-priority task may
/// have waited longer. It costs one O(log N) read per non-empty queue, never a scan.
/// </remarks>
public static class QueueStatsReader
{
    /// <summary>Reads the figures now.</summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Unavailable"/> when the store cannot be reached.</exception>
    public static async Task<StatsView> ReadAsync(IQueueStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var stats = await store.GetStatsAsync(cancellationToken);
        IReadOnlyList<WorkerInfo> workers;
        try
        {
            workers = await store.ListWorkersAsync(cancellationToken);
        }
        catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable && store.Kind == "memory-fallback")
        {
            // The registry lives in Redis, which is down: the figures of the tasks accepted meanwhile still answer.
            workers = [];
        }
        var queues = new SortedDictionary<string, QueueStatsView>(StringComparer.Ordinal);
        foreach (var (name, queue) in stats.Queues)
        {
            double? oldest = null;
            if (queue.Counts.Queued > 0)
            {
                var head = await store.ListAsync(new TaskQuery(QueueTaskStatus.Queued, name, 0, 1), cancellationToken);
                if (head.Items.Count > 0) oldest = Math.Max(0, (stats.At - head.Items[0].CreatedAt).TotalSeconds);
            }
            var serving = workers.Count(w => w.Queues.Contains(name, StringComparer.Ordinal));
            queues[name] = View(queue.Counts, queue.AverageProcessingTime?.TotalSeconds, oldest, serving,
                queue.EnqueuedTotal, queue.CompletedTotal, queue.FailedTotal);
        }

        var completions = stats.Queues.Values.Where(q => q.AverageProcessingTime is not null && q.CompletedTotal > 0).ToArray();
        double? average = completions.Length == 0
            ? null
            : completions.Sum(q => q.AverageProcessingTime!.Value.TotalSeconds * q.CompletedTotal) / completions.Sum(q => q.CompletedTotal);
        var oldestOverall = queues.Values.Max(q => q.OldestQueuedAgeSeconds);
        var totals = View(stats.Totals, average, oldestOverall, workers.Count,
            stats.Queues.Values.Sum(q => q.EnqueuedTotal), stats.Queues.Values.Sum(q => q.CompletedTotal), stats.Queues.Values.Sum(q => q.FailedTotal));
        return new StatsView(store.Kind, workers.Count, stats.At, totals, queues);
    }

    private static QueueStatsView View(StatusCounts counts, double? average, double? oldest, int workers, long enqueued, long completed, long failed) =>
        new(counts.Queued, counts.Scheduled, counts.Processing, counts.Completed, counts.Failed, counts.Cancelled,
            average, oldest, workers, enqueued, completed, failed);
}
