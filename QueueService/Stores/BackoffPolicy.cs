using System.ComponentModel.DataAnnotations;

namespace QueueService.Stores;

/// <summary>Exponential backoff with jitter for retries, written once for both stores.</summary>
public sealed class BackoffOptions
{
    /// <summary>The wait before the first retry (default 5 s); doubles per attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between attempts (default 1 h).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>± fraction of random spread (default 0.2: 80 %–120 % of the nominal wait), so retries of a burst do not return together.</summary>
    [Range(0.0, 1.0)]
    public double JitterFraction { get; set; } = 0.2;
}

/// <summary>Computes retry delays: <c>min(MaxDelay, BaseDelay · 2^(attempt-1))</c> spread by ± jitter.</summary>
public sealed class BackoffPolicy(BackoffOptions options)
{
    /// <summary>The delay before the retry that follows failed attempt <paramref name="attempt"/> (1-based).</summary>
    public TimeSpan DelayAfter(int attempt)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var nominalMs = Math.Min(options.MaxDelay.TotalMilliseconds, options.BaseDelay.TotalMilliseconds * Math.Pow(2, exponent));
        var spread = options.JitterFraction * ((Random.Shared.NextDouble() * 2) - 1);
        var ms = Math.Max(0, nominalMs * (1 + spread));
        return TimeSpan.FromMilliseconds(Math.Min(ms, options.MaxDelay.TotalMilliseconds));
    }
}
