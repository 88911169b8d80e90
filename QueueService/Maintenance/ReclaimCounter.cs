using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using QueueService.Stores;
using QueueService.Tasks;

namespace QueueService.Maintenance;

/// <summary>
/// Counts the stuck tasks this process reclaimed (the lease reaper and <c>POST /admin/cleanup-stuck-tasks</c>), per
/// queue, reason (<c>lease-expired</c>, <c>timeout</c>) and the status the task went to. The API publishes it as
/// <c>redisqueue_tasks_reclaimed_total</c>. Thread-safe; counts only grow.
/// </summary>
public sealed class ReclaimCounter
{
    private readonly ConcurrentDictionary<(string Queue, string Reason, string Status), StrongBox<long>> _counts = new();

    /// <summary>Adds one reclaim per task of <paramref name="reaped"/>.</summary>
    public void Record(IReadOnlyList<ReapedTask> reaped)
    {
        ArgumentNullException.ThrowIfNull(reaped);
        foreach (var task in reaped)
        {
            var key = (task.Type, ReasonName(task.Reason), task.NewStatus.ToWire());
            Interlocked.Increment(ref _counts.GetOrAdd(key, static _ => new StrongBox<long>()).Value);
        }
    }

    /// <summary>Every count so far.</summary>
    public IReadOnlyList<(string Queue, string Reason, string Status, long Count)> Counts() =>
        _counts.Select(entry => (entry.Key.Queue, entry.Key.Reason, entry.Key.Status, Interlocked.Read(ref entry.Value.Value))).ToArray();

    /// <summary>The wire name of a reason, as in the task's error history (<see cref="TaskErrorKinds"/>).</summary>
    public static string ReasonName(ReapReason reason) => reason == ReapReason.TimedOut ? TaskErrorKinds.Timeout : TaskErrorKinds.LeaseExpired;
}
