using QueueService.Stores;
using QueueService.Tasks;

namespace QueueService.Snapshots;

/// <summary>The rules both stores apply to each task of a snapshot they import, written once.</summary>
internal static class SnapshotImport
{
    /// <summary>Tasks per atomic step of an import (and per page of an export).</summary>
    public const int StepSize = 1000;

    /// <summary>
    /// Each queue's lifetime counters as the snapshot's tasks say they were. A backup reads the counters first
    /// (<see cref="StoreSnapshot.TakenAtMs"/>, the store's clock) and the tasks page by page after, so a task created,
    /// completed or failed for good while the pages were read is in the snapshot but not in its counters; so is a task
    /// a restore adds from the redo log (created after the snapshot). Each such task is counted here: created after the
    /// counters were read (its creation sequence above <see cref="StoreSnapshot.Sequence"/>, read with them) → enqueued + 1;
    /// completed or failed after <see cref="StoreSnapshot.TakenAtMs"/> → completed or failed + 1. A task that finished
    /// after its page was read is in the snapshot unfinished; its outcome, recorded after the restore, counts then.
    /// </summary>
    /// <returns>The counters to restore, one per queue of the snapshot's counters or its tasks; the snapshot is not changed.</returns>
    public static IReadOnlyList<SnapshotQueueStats> CountersAsOfTasks(StoreSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var counters = snapshot.Queues.ToDictionary(q => q.Type, q => new SnapshotQueueStats
        {
            Type = q.Type, Completed = q.Completed, Failed = q.Failed, Enqueued = q.Enqueued, AverageProcessingMs = q.AverageProcessingMs,
        }, StringComparer.Ordinal);
        foreach (var task in snapshot.Tasks)
        {
            // By sequence, not time: exact where two tasks share a millisecond with the read, and right for a task
            // whose creation time is older than its arrival in the store (drained after an outage).
            var created = CreatedSeqOf(task) > snapshot.Sequence;
            var finished = task.CompletedAtMs is { } at && at > snapshot.TakenAtMs;
            if (!created && !finished) continue;
            if (!counters.TryGetValue(task.Type, out var queue)) counters[task.Type] = queue = new SnapshotQueueStats { Type = task.Type };
            if (created) queue.Enqueued++;
            if (finished && task.Status == "completed") queue.Completed++;
            if (finished && task.Status == "failed") queue.Failed++;
        }
        return [.. counters.Values];
    }

    /// <summary>
    /// Checks a task and returns it as the store will hold it, with its status parsed: a processing task
    /// comes back queued at its place with its lease gone and the attempt not counted (or cancelled, when
    /// a cancel was requested), exactly as a hand-back at shutdown would leave it.
    /// </summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> (field <c>tasks</c>) naming the task and the rule.</exception>
    public static (SnapshotTask Task, QueueTaskStatus Status, bool Requeued) Prepare(SnapshotTask task, long takenAtMs) =>
        Prepare(task, takenAtMs, holdUntilMs: null);

    /// <summary>
    /// As <see cref="Prepare(SnapshotTask, long)"/>; with <paramref name="holdUntilMs"/> a processing task that
    /// names its worker and lease token keeps them (and its attempt and start) and comes back processing,
    /// its lease expiring at <paramref name="holdUntilMs"/> (<see cref="ImportOptions.HoldLeasesFor"/>).
    /// A processing task without a worker or token is put back as without a hold.
    /// </summary>
    public static (SnapshotTask Task, QueueTaskStatus Status, bool Requeued) Prepare(SnapshotTask task, long takenAtMs, long? holdUntilMs)
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

        if (holdUntilMs is { } until && task.LeaseToken is > 0 && !string.IsNullOrEmpty(task.WorkerId))
        {
            var held = Copy(task);
            held.LeaseExpiresAtMs = until;
            return (held, QueueTaskStatus.Processing, false);
        }

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

    /// <summary>Checks <see cref="ImportOptions.HoldLeasesFor"/> and returns it in whole milliseconds (at least 1), or null.</summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> (field <c>options</c>) outside (0, 1 h].</exception>
    public static long? ValidateHold(ImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.HoldLeasesFor is not { } hold) return null;
        if (hold <= TimeSpan.Zero || hold > TimeSpan.FromHours(1))
            throw QueueStoreException.Invalid("options", $"HoldLeasesFor must be within (0, 1 h]; got {hold}.");
        return Math.Max(1, (long)Math.Ceiling(hold.TotalMilliseconds));
    }

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
