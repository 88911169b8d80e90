namespace QueueService.Tests.Workers;

/// <summary>Counts handlers running at once: the most seen together, and how many ever started.</summary>
public sealed class ConcurrencyGauge
{
    private int _current;
    private int _maxSeen;
    private int _started;

    public int MaxSeen => Volatile.Read(ref _maxSeen);

    public int Started => Volatile.Read(ref _started);

    /// <summary>A handler starts; returns how many have started so far, this one included.</summary>
    public int Enter()
    {
        var now = Interlocked.Increment(ref _current);
        for (var seen = Volatile.Read(ref _maxSeen); now > seen; seen = Volatile.Read(ref _maxSeen))
            Interlocked.CompareExchange(ref _maxSeen, now, seen);
        return Interlocked.Increment(ref _started);
    }

    /// <summary>A handler ends.</summary>
    public void Exit() => Interlocked.Decrement(ref _current);
}
