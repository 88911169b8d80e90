namespace QueueService.Stores;

/// <summary>
/// Estimated wait, written once for both stores: <c>ceil(position / slots) × average processing time</c>,
/// where slots is how many tasks of that queue are processing now (the worker slots serving it; at
/// least 1). While a queue has a backlog every slot serving it is busy, so the processing count is a
/// live measure of its capacity that needs no worker registry.
/// </summary>
public static class EtaEstimator
{
    /// <summary>The estimate, or null when the queue has no processing-time history yet (no guess is shown as fact).</summary>
    public static TimeSpan? Estimate(long position, double? averageProcessingMs, long processingNow)
    {
        if (averageProcessingMs is not { } avg || position < 1) return null;
        var slots = Math.Max(1, processingNow);
        var rounds = (position + slots - 1) / slots;
        return TimeSpan.FromMilliseconds(rounds * avg);
    }

    /// <summary>Weight of the newest sample in the moving average of processing time (0.2).</summary>
    public const double MovingAverageWeight = 0.2;

    /// <summary>The next moving average after a sample (the first sample is taken as is).</summary>
    public static double NextAverage(double? current, double sampleMs) =>
        current is { } avg ? avg + (MovingAverageWeight * (sampleMs - avg)) : sampleMs;
}
