namespace QueueHttpApi.Monitoring.Health;

/// <summary>When this API process began serving, for rules that allow a grace period after start (the first backup).</summary>
public sealed class ApiStartTime(TimeProvider time)
{
    /// <summary>The moment this singleton was made: resolved while the endpoints are mapped, just before the host starts.</summary>
    public DateTimeOffset At { get; } = time.GetUtcNow();
}
