using QueueService.Stores;
using QueueService.Tasks;

namespace QueueService.Snapshots;

/// <summary>The rules both stores apply to each task of a snapshot they import, written once.</summary>
internal static class SnapshotImport
{
    /// <summary>Tasks per atomic step of an import (and per page of an export).</summary>
    public const int StepSize = 1000;

    /// <summary>
    /// Checks a task and returns it as the store will hold it, with its status parsed: a processing task
    /// comes back queued at its place with its lease gone and the attempt not counted (or cancelled, when
    /// a cancel was requested), exactly as a hand-back at shutdown would leave it.
    /// </summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> (field <c>tasks</c>) naming the task and the rule.</exception>
    public static (SnapshotTask Task, QueueTaskStatus Status, bool Requeued) Prepare(SnapshotTask task, long takenAtMs)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (!TaskLimits.IsValidTaskId(task.Id))
            throw Invalid(task, $"the id must be 1–{TaskLimits.MaxIdLength} letters, digits, '.', '_' or '-'");
        if (!TaskLimits.IsValidQueueName(task.Type))
            throw Invalid(task, $"'{task.Type}' is not a valid queue name");
        if (!Priority.IsValid(task.Priority))
            throw Invalid(task, $"priority {task.Priority} is outside {Priority.Min}–{Priority.Max}");
        if (!QueueTaskStatusNames.TryParse(task.Status, out var status))
            throw Invalid(task, $"'{task.Status}' is not a task status");
        if (task.Seq <= 0 || task.Seq >= TaskScore.SequenceSpan)
            throw Invalid(task, $"sequence {task.Seq} is outside 1–{TaskScore.SequenceSpan - 1}");
        if (status != QueueTaskStatus.Processing)
            return (task, status, false);

        var back = Copy(task);
        back.Attempts = Math.Max(0, task.Attempts - 1);
        back.LeaseToken = null;
        back.LeaseExpiresAtMs = null;
        back.UpdatedAtMs = takenAtMs;
        if (task.CancelRequested)
        {
            back.Status = QueueTaskStatus.Cancelled.ToWire();
            back.CompletedAtMs = takenAtMs;
            return (back, QueueTaskStatus.Cancelled, false);
        }
        back.Status = QueueTaskStatus.Queued.ToWire();
        return (back, QueueTaskStatus.Queued, true);
    }

    /// <summary>The creation sequence to index a task by in <c>all</c>: its own, else its run sequence.</summary>
    public static long CreatedSeqOf(SnapshotTask task) => task.CreatedSeq > 0 ? task.CreatedSeq : task.Seq;

    /// <summary>Checks the arguments of <see cref="IQueueStore.TryLockAsync"/> and returns the ttl in whole milliseconds (at least 1).</summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> naming the argument.</exception>
    public static long ValidateLock(string name, string owner, TimeSpan ttl)
    {
        if (string.IsNullOrWhiteSpace(name)) throw QueueStoreException.Invalid("name", "a lock name is required.");
        if (string.IsNullOrWhiteSpace(owner)) throw QueueStoreException.Invalid("owner", "a lock owner is required.");
        if (ttl <= TimeSpan.Zero || ttl > TimeSpan.FromDays(1)) throw QueueStoreException.Invalid("ttl", $"the ttl must be within (0, 1 day]; got {ttl}.");
        return Math.Max(1, (long)Math.Ceiling(ttl.TotalMilliseconds));
    }

    // Every field, including ones added later; the error list is shared, as the import only reads it.
    private static SnapshotTask Copy(SnapshotTask t) => t.ShallowCopy();

    private static QueueStoreException Invalid(SnapshotTask task, string rule) =>
        QueueStoreException.Invalid("tasks", $"snapshot task '{task.Id}': {rule}.");
}
