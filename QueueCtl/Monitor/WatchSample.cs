using QueueClient;

namespace QueueCtl.Monitor;

/// <summary>
/// One refresh of the watch view: the stats, the workers and the processing tasks read from the API, and the
/// throughput since the previous refresh. Also the shape of each <c>watch --json</c> line.
/// </summary>
/// <param name="At">When the store took the stats reading.</param>
/// <param name="Stats"><c>GET /stats</c>.</param>
/// <param name="Workers"><c>GET /workers</c>.</param>
/// <param name="Processing">The first <see cref="WatchSample.ProcessingShown"/> processing tasks (<c>GET /tasks?status=processing</c>); <c>total</c> counts them all.</param>
/// <param name="Throughput">Completions per minute since the previous refresh; null on the first.</param>
internal sealed record WatchSample(DateTimeOffset At, QueueStats Stats, WorkerList Workers, TaskPage Processing, Throughput? Throughput)
{
    /// <summary>How many processing tasks a refresh reads (and the view lists).</summary>
    public const int ProcessingShown = 10;

    /// <summary>Reads the three endpoints one after the other (stats first, so throughput and depths belong together).</summary>
    public static async Task<WatchSample> ReadAsync(IQueueApiClient client, ThroughputMeter meter, CancellationToken cancellationToken)
    {
        var stats = await client.GetStatsAsync(cancellationToken);
        var workers = await client.GetWorkersAsync(cancellationToken);
        var processing = await client.ListTasksAsync(new TaskListQuery { Status = QueueTaskStatus.Processing, Limit = ProcessingShown }, cancellationToken);
        return new WatchSample(stats.At, stats, workers, processing, meter.Measure(stats));
    }
}

/// <summary>Tasks completed per minute between two refreshes.</summary>
/// <param name="PerMinute">Over every queue.</param>
/// <param name="Queues">Per queue, by name (a queue first seen in this refresh is absent).</param>
internal sealed record Throughput(double PerMinute, IReadOnlyDictionary<string, double> Queues);

/// <summary>
/// Measures throughput from the change of <c>completedTotal</c> between two stats readings, over the change of their
/// <c>at</c> (the store's clock, so a slow request does not skew the rate). Unknown (null) on the first reading, when
/// the clock did not move, and when the counters went down (the service restarted on an empty store).
/// </summary>
internal sealed class ThroughputMeter
{
    private QueueStats? _previous;

    /// <summary>The throughput since the previous reading, and remembers <paramref name="stats"/> for the next.</summary>
    public Throughput? Measure(QueueStats stats)
    {
        var previous = _previous;
        _previous = stats;
        if (previous is null) return null;
        var minutes = (stats.At - previous.At).TotalMinutes;
        var completed = stats.Totals.CompletedTotal - previous.Totals.CompletedTotal;
        if (minutes <= 0 || completed < 0) return null;
        var queues = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, figures) in stats.Queues)
        {
            if (previous.Queues.TryGetValue(name, out var before) && figures.CompletedTotal >= before.CompletedTotal)
                queues[name] = (figures.CompletedTotal - before.CompletedTotal) / minutes;
        }
        return new Throughput(completed / minutes, queues);
    }
}
