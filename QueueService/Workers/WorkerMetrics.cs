using System.Diagnostics.Metrics;
using QueueService.Stores;

namespace QueueService.Workers;

/// <summary>
/// What the worker runtime measures, as <see cref="System.Diagnostics.Metrics"/> instruments on the
/// <see cref="MeterName"/> meter, so this library needs no exporter of its own: the API and the worker
/// process publish them in Prometheus format, and any other <see cref="MeterListener"/> may listen too.
/// <list type="bullet">
/// <item><see cref="CompletedName"/>, <see cref="FailedName"/>, <see cref="RetriedName"/>: counters tagged
/// <see cref="QueueTag"/>, one per attempt that ended so (failed: for good; retried: the store scheduled another attempt).</item>
/// <item><see cref="ProcessingDurationName"/>: seconds from an attempt's start on this worker to its recorded
/// outcome, tagged <see cref="QueueTag"/> and <see cref="OutcomeTag"/>.</item>
/// <item><see cref="WaitDurationName"/>: seconds from a task's creation to the start of its first attempt
/// (a requested delay included), tagged <see cref="QueueTag"/>.</item>
/// <item><see cref="ReconciledName"/>: counter of leases the store held for this worker that it did not run (after an
/// outage, or at start-up), tagged <see cref="QueueTag"/> and <see cref="ReasonTag"/>: <see cref="ReRecordedReason"/>
/// (its remembered outcome was recorded again) or <see cref="HandedBackReason"/> (handed back at once).</item>
/// </list>
/// </summary>
/// <remarks>
/// Made through the host's <see cref="IMeterFactory"/> when there is one, so that each host (several run in one
/// test process) has meters of its own: an exporter tells them apart by <see cref="Meter.Scope"/>.
/// </remarks>
public sealed class WorkerMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "RedisQueue";
    /// <summary>Counter: attempts that completed.</summary>
    public const string CompletedName = "redisqueue.tasks.completed";
    /// <summary>Counter: attempts that failed for good (no retry left, or a permanent error).</summary>
    public const string FailedName = "redisqueue.tasks.failed";
    /// <summary>Counter: attempts that failed and were not dead-lettered (the store scheduled a retry; rarely, a pending cancel won).</summary>
    public const string RetriedName = "redisqueue.tasks.retried";
    /// <summary>Histogram (seconds): an attempt's run on this worker, from its start to its recorded outcome.</summary>
    public const string ProcessingDurationName = "redisqueue.task.processing.duration";
    /// <summary>Histogram (seconds): a task's creation to the start of its first attempt.</summary>
    public const string WaitDurationName = "redisqueue.task.wait.duration";
    /// <summary>Counter: leases this worker held in the store but did not run, recorded again or handed back.</summary>
    public const string ReconciledName = "redisqueue.leases.reconciled";
    /// <summary>The tag naming the task's queue.</summary>
    public const string QueueTag = "queue";
    /// <summary>The tag naming how an attempt ended: completed, failed, retried, cancelled, released or lost.</summary>
    public const string OutcomeTag = "outcome";

    /// <summary>The tag naming what reconciling did with a lease: <see cref="ReRecordedReason"/> or <see cref="HandedBackReason"/>.</summary>
    public const string ReasonTag = "reason";
    /// <summary><see cref="ReasonTag"/> value: the lease's remembered outcome was recorded again after the store lost it.</summary>
    public const string ReRecordedReason = "re-recorded";
    /// <summary><see cref="ReasonTag"/> value: a lease with no remembered outcome was handed back.</summary>
    public const string HandedBackReason = "handed-back";

    /// <summary>Bucket bounds of both histograms, in seconds: 5 ms to an hour (the default maximum processing time).</summary>
    public static IReadOnlyList<double> DurationBuckets { get; } =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _completed;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _retried;
    private readonly Histogram<double> _processing;
    private readonly Histogram<double> _wait;
    private readonly Counter<long> _reconciled;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>, or on a meter of its own when null.</summary>
    public WorkerMetrics(IMeterFactory? meterFactory = null)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        var buckets = new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets };
        _completed = _meter.CreateCounter<long>(CompletedName, "{attempt}", "Task attempts that completed.");
        _failed = _meter.CreateCounter<long>(FailedName, "{attempt}", "Task attempts that failed for good (no retry left, or a permanent error).");
        _retried = _meter.CreateCounter<long>(RetriedName, "{attempt}", "Task attempts that failed and were scheduled for a retry.");
        _reconciled = _meter.CreateCounter<long>(ReconciledName, "{lease}",
            "Leases the store held for this worker that it did not run: recorded again from memory, or handed back.");
        _processing = _meter.CreateHistogram(ProcessingDurationName, "s",
            "Time from the start of a task attempt on a worker to its recorded outcome.", tags: null, advice: buckets);
        _wait = _meter.CreateHistogram(WaitDurationName, "s",
            "Time from a task's creation to the start of its first attempt.", tags: null, advice: buckets);
    }

    /// <summary>The meter the instruments live on.</summary>
    public Meter Meter => _meter;

    /// <summary>An attempt starts: its first one records how long the task waited (never below zero: the store's clock and ours may differ).</summary>
    internal void Started(TaskLease lease, DateTimeOffset now)
    {
        if (lease.Attempt != 1) return;
        var waited = now - lease.CreatedAt;
        _wait.Record(waited > TimeSpan.Zero ? waited.TotalSeconds : 0, new KeyValuePair<string, object?>(QueueTag, lease.Type));
    }

    /// <summary>An attempt ended with <paramref name="outcome"/> after <paramref name="ran"/>.</summary>
    internal void Ended(TaskLease lease, TaskOutcome outcome, TimeSpan ran)
    {
        var queue = new KeyValuePair<string, object?>(QueueTag, lease.Type);
        // The time first: a reader that sees an outcome's count sees its processing time too.
        _processing.Record(ran.TotalSeconds, queue, new KeyValuePair<string, object?>(OutcomeTag, NameOf(outcome)));
        switch (outcome)
        {
            case TaskOutcome.Completed: _completed.Add(1, queue); break;
            case TaskOutcome.Failed: _failed.Add(1, queue); break;
            case TaskOutcome.FailedWillRetry: _retried.Add(1, queue); break;
        }
    }

    /// <summary>A lease this worker held but did not run was reconciled, for <paramref name="reason"/>.</summary>
    internal void Reconciled(TaskLease lease, string reason) =>
        _reconciled.Add(1, new KeyValuePair<string, object?>(QueueTag, lease.Type), new KeyValuePair<string, object?>(ReasonTag, reason));

    private static string NameOf(TaskOutcome outcome) => outcome switch
    {
        TaskOutcome.Completed => "completed",
        TaskOutcome.Failed => "failed",
        TaskOutcome.FailedWillRetry => "retried",
        TaskOutcome.Cancelled => "cancelled",
        TaskOutcome.Released => "released",
        _ => "lost",
    };

    /// <summary>Disposes the meter when it is this object's own (a factory's meters belong to the factory).</summary>
    public void Dispose()
    {
        if (_ownsMeter) _meter.Dispose();
    }
}
