using System.Collections.Concurrent;

namespace QueueService.Workers;

/// <summary>What this process's worker is doing now, for health and the worker registry. Thread-safe.</summary>
public sealed class WorkerState
{
    private readonly ConcurrentDictionary<string, byte> _inFlight = new();
    private long _completed;
    private long _failed;
    private long _cancelled;
    private long _released;
    private long _lost;

    /// <summary>The ids of the tasks running now.</summary>
    public IReadOnlyCollection<string> InFlightTaskIds => _inFlight.Keys.ToArray();
    /// <summary>How many tasks run now.</summary>
    public int InFlightCount => _inFlight.Count;
    /// <summary>Tasks completed since start.</summary>
    public long Completed => Interlocked.Read(ref _completed);
    /// <summary>Attempts that failed since start (retried or not).</summary>
    public long Failed => Interlocked.Read(ref _failed);
    /// <summary>Tasks stopped by a user's cancel since start.</summary>
    public long Cancelled => Interlocked.Read(ref _cancelled);
    /// <summary>Tasks handed back unfinished on shutdown.</summary>
    public long Released => Interlocked.Read(ref _released);
    /// <summary>Attempts whose outcome could not be recorded (lease lost, store error).</summary>
    public long Lost => Interlocked.Read(ref _lost);
    /// <summary>Every attempt that ended, whatever its outcome.</summary>
    public long Processed => Completed + Failed + Cancelled + Released + Lost;

    internal void Started(string taskId) => _inFlight[taskId] = 0;

    internal void Finished(string taskId, TaskOutcome outcome)
    {
        _inFlight.TryRemove(taskId, out _);
        switch (outcome)
        {
            case TaskOutcome.Completed: Interlocked.Increment(ref _completed); break;
            case TaskOutcome.Failed or TaskOutcome.FailedWillRetry: Interlocked.Increment(ref _failed); break;
            case TaskOutcome.Cancelled: Interlocked.Increment(ref _cancelled); break;
            case TaskOutcome.Released: Interlocked.Increment(ref _released); break;
            default: Interlocked.Increment(ref _lost); break;
        }
    }
}

/// <summary>How one attempt ended, as this worker recorded it.</summary>
internal enum TaskOutcome
{
    Completed,
    /// <summary>Failed for good: no retry is left, or the error is permanent.</summary>
    Failed,
    /// <summary>Failed, and the store queued or scheduled it again.</summary>
    FailedWillRetry,
    Cancelled,
    Released,
    Lost,
}
