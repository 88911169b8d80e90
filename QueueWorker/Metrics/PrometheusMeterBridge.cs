using System.Diagnostics.Metrics;
using Prometheus;
using QueueService.Workers;

namespace QueueWorker.Metrics;

/// <summary>
/// Publishes the worker runtime's instruments (<see cref="WorkerMetrics"/>) of one host in a prometheus-net
/// registry, as Prometheus counters and histograms:
/// <c>redisqueue_tasks_completed_total</c>, <c>redisqueue_tasks_failed_total</c>, <c>redisqueue_tasks_retried_total</c>
/// (label <c>queue</c>), <c>redisqueue_task_processing_duration_seconds</c> (labels <c>queue</c>, <c>outcome</c>) and
/// <c>redisqueue_task_wait_duration_seconds</c> (label <c>queue</c>).
/// </summary>
/// <remarks>
/// Not prometheus-net's own <c>MeterAdapter</c>: it exports .NET counters as gauges (no <c>_total</c>, so
/// <c>rate()</c> reads them wrongly) and forgets a series after five idle minutes, so a quiet queue's
/// completed count would fall back to zero. Here the few known instruments map to typed collectors that
/// live as long as the registry. Only meters whose <see cref="Meter.Scope"/> is the given scope are heard,
/// so two hosts in one process (tests) never count each other's tasks.
/// </remarks>
public sealed class PrometheusMeterBridge : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly object? _scope;
    private readonly Dictionary<string, (Counter Counter, string[] Labels)> _counters;
    private readonly Dictionary<string, (Histogram Histogram, string[] Labels)> _histograms;

    /// <summary>Starts listening to the <see cref="WorkerMetrics.MeterName"/> meters of <paramref name="meterScope"/> (the host's <see cref="IMeterFactory"/>; null for meters made without one).</summary>
    public PrometheusMeterBridge(CollectorRegistry registry, object? meterScope)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _scope = meterScope;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        string[] queue = [WorkerMetrics.QueueTag];
        string[] queueAndOutcome = [WorkerMetrics.QueueTag, WorkerMetrics.OutcomeTag];
        var buckets = WorkerMetrics.DurationBuckets.ToArray();
        string[] queueAndReason = [WorkerMetrics.QueueTag, WorkerMetrics.ReasonTag];
        _counters = new Dictionary<string, (Counter, string[])>(StringComparer.Ordinal)
        {
            [WorkerMetrics.CompletedName] = (factory.CreateCounter("redisqueue_tasks_completed_total",
                "Task attempts that completed, per queue.", queue), queue),
            [WorkerMetrics.FailedName] = (factory.CreateCounter("redisqueue_tasks_failed_total",
                "Task attempts that failed for good (no retry left, or a permanent error), per queue.", queue), queue),
            [WorkerMetrics.RetriedName] = (factory.CreateCounter("redisqueue_tasks_retried_total",
                "Task attempts that failed and were scheduled for a retry, per queue.", queue), queue),
            [WorkerMetrics.ReconciledName] = (factory.CreateCounter("redisqueue_leases_reconciled_total",
                "Leases the store held for this worker that it was not running (after an outage, or at start-up), per queue and reason: re-recorded (its remembered outcome recorded again) or handed-back.",
                queueAndReason), queueAndReason),
        };
        _histograms = new Dictionary<string, (Histogram, string[])>(StringComparer.Ordinal)
        {
            [WorkerMetrics.ProcessingDurationName] = (factory.CreateHistogram("redisqueue_task_processing_duration_seconds",
                "Seconds from the start of a task attempt on a worker to its recorded outcome, per queue and outcome.",
                new HistogramConfiguration { LabelNames = queueAndOutcome, Buckets = buckets }), queueAndOutcome),
            [WorkerMetrics.WaitDurationName] = (factory.CreateHistogram("redisqueue_task_wait_duration_seconds",
                "Seconds from a task's creation to the start of its first attempt, per queue.",
                new HistogramConfiguration { LabelNames = queue, Buckets = buckets }), queue),
        };

        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == WorkerMetrics.MeterName && Equals(instrument.Meter.Scope, _scope)
                && (_counters.ContainsKey(instrument.Name) || _histograms.ContainsKey(instrument.Name)))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>(OnCount);
        _listener.SetMeasurementEventCallback<double>(OnObserve);
        _listener.Start();
    }

    private void OnCount(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (_counters.TryGetValue(instrument.Name, out var entry))
            entry.Counter.WithLabels(LabelValues(tags, entry.Labels)).Inc(value);
    }

    private void OnObserve(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (!_histograms.TryGetValue(instrument.Name, out var entry)) return;
        entry.Histogram.WithLabels(LabelValues(tags, entry.Labels)).Observe(value);
    }

    private static string[] LabelValues(ReadOnlySpan<KeyValuePair<string, object?>> tags, string[] labels)
    {
        var values = new string[labels.Length];
        for (var i = 0; i < values.Length; i++) values[i] = TagValue(tags, labels[i]);
        return values;
    }

    private static string TagValue(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key) return tag.Value?.ToString() ?? "";
        }
        return "";
    }

    /// <summary>Stops listening; what was counted stays in the registry.</summary>
    public void Dispose() => _listener.Dispose();
}
