using Microsoft.Extensions.Logging;
using QueueService.Stores;

namespace QueueService.Workers;

/// <summary>
/// Logs a repeating failure once when it starts and once when it ends, so a store outage reads as
/// two lines, not one per poll. Used by one loop at a time (not thread-safe).
/// </summary>
/// <param name="logger">Where the two lines go (the repeats go at Debug).</param>
/// <param name="time">The clock for the streak's duration.</param>
/// <param name="activity">What fails, as the lines' subject: <c>Leasing for worker w1</c>.</param>
/// <param name="retry">What happens meanwhile, ending the first line (default <c>retrying with backoff</c>).</param>
internal sealed class FailureStreak(ILogger logger, TimeProvider time, object activity, string retry = "retrying with backoff")
{
    private long? _startedAt;
    private int _failures;

    /// <summary>How many failures in a row so far.</summary>
    public int Count => _failures;

    /// <summary>How long since the first failure of the streak; zero when none is failing.</summary>
    public TimeSpan Elapsed => _startedAt is { } startedAt ? time.GetElapsedTime(startedAt) : TimeSpan.Zero;

    public void Failed(Exception exception)
    {
        _failures++;
        if (_startedAt is not null)
        {
            logger.LogDebug(exception, "{Activity} still failing ({Failures} in a row)", activity, _failures);
            return;
        }
        _startedAt = time.GetTimestamp();
        if (exception is QueueStoreException { Error: StoreError.Unavailable })
            logger.LogWarning(exception, "{Activity} paused: the store is unavailable; {Retry}", activity, retry);
        else if (exception is QueueStoreException { Error: StoreError.NotFound })
            logger.LogWarning(exception, "{Activity} paused: the store does not hold the task after an outage (back empty, not yet restored?); {Retry}",
                activity, retry);
        else
            logger.LogError(exception, "{Activity} failed; {Retry}", activity, retry);
    }

    public void Succeeded()
    {
        if (_startedAt is not { } startedAt) return;
        logger.LogInformation("{Activity} recovered after {Failures} failures in {Elapsed}",
            activity, _failures, time.GetElapsedTime(startedAt));
        _startedAt = null;
        _failures = 0;
    }

    /// <summary>Exponential backoff from <paramref name="first"/>, doubling per failure, capped at <paramref name="max"/>.</summary>
    public TimeSpan Backoff(TimeSpan first, TimeSpan max) => Exponential(_failures, first, max);

    /// <summary>The wait after <paramref name="failures"/> failures: <paramref name="first"/> doubled per further failure, capped at <paramref name="max"/>.</summary>
    internal static TimeSpan Exponential(int failures, TimeSpan first, TimeSpan max)
    {
        var factor = Math.Pow(2, Math.Clamp(failures - 1, 0, 20));
        return TimeSpan.FromTicks((long)Math.Min(max.Ticks, first.Ticks * factor));
    }
}

/// <summary>
/// What a task's <see cref="FailureStreak"/> is about, formatted only when a failure is logged: the text is built per task,
/// and most tasks never fail.
/// </summary>
internal sealed class TaskActivity(string what, Stores.TaskLease lease)
{
    /// <inheritdoc/>
    public override string ToString() => $"{what} of task {lease.TaskId} of queue {lease.Type} on worker {lease.WorkerId}";
}
