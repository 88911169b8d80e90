using QueueService.Stores.Failover;
using QueueService.Tasks;

namespace QueueService.Snapshots;

/// <summary>
/// How a restore merges the redo log into the snapshot it restores (docs/failover.md, "The restore merges snapshot and
/// redo log"): pure, so the rules are tested without a store.
/// </summary>
internal static class RedoMerge
{
    /// <summary>
    /// Entries older than the snapshot by more than this are taken as already in it. The log covers two snapshots; an
    /// Enqueued entry from before the snapshot whose task the snapshot lacks was finished and purged since, and must not come
    /// back. The margin covers a clock difference between the API (cancel and retry times) and Redis (every other time).
    /// </summary>
    public static readonly TimeSpan ClockMargin = TimeSpan.FromSeconds(30);

    /// <summary>What to import, and what to apply after the import.</summary>
    /// <param name="Snapshot">The snapshot with the log merged in (a copy; the original is untouched).</param>
    /// <param name="EnqueuedRestored">Tasks from the log's Enqueued entries the snapshot lacked.</param>
    /// <param name="Leased">Tasks (of the snapshot or the log) made processing under a lease a Started entry recorded.</param>
    /// <param name="Changes">Cancelled and Retried entries to apply through the store after the import, in log order.</param>
    public sealed record Plan(StoreSnapshot Snapshot, int EnqueuedRestored, int Leased, IReadOnlyList<JournalEntry> Changes);

    /// <summary>Merges <paramref name="log"/> (oldest first) into <paramref name="snapshot"/>.</summary>
    /// <param name="snapshot">The snapshot to restore.</param>
    /// <param name="log">The redo log's entries, oldest first.</param>
    /// <param name="now">The restore's time: a logged task whose run time is later comes back scheduled.</param>
    public static Plan Build(StoreSnapshot snapshot, IReadOnlyList<JournalEntry> log, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(log);
        if (log.Count == 0) return new Plan(snapshot, 0, 0, []);
        var sinceMs = snapshot.TakenAtMs - (long)ClockMargin.TotalMilliseconds;
        var inSnapshot = new Dictionary<string, SnapshotTask>(StringComparer.Ordinal);
        foreach (var task in snapshot.Tasks) inSnapshot.TryAdd(task.Id, task);

        // The latest start of each task in log order (starts are logged by one pump, in the order the scripts ran; a retry
        // resets the attempt count, so the highest attempt is not the latest), and whether a retry newer than the
        // snapshot's view of the task came before it: that start is later than a finished snapshot task.
        var starts = new Dictionary<string, (JournalEntry Entry, int Index)>(StringComparer.Ordinal);
        var retriedThenStarted = new HashSet<string>(StringComparer.Ordinal);
        var retryPending = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < log.Count; i++)
        {
            var entry = log[i];
            if (entry.Kind == JournalEntryKind.Retried && IsNewerThanSnapshot(entry, inSnapshot, sinceMs))
            {
                retryPending.Add(entry.TaskId);
            }
            else if (entry.Kind == JournalEntryKind.Started)
            {
                starts[entry.TaskId] = (entry, i);
                if (retryPending.Remove(entry.TaskId)) retriedThenStarted.Add(entry.TaskId);
            }
        }

        var leased = 0;
        var applied = new Dictionary<string, int>(StringComparer.Ordinal); // task id -> log index of the start it comes back under
        var tasks = new List<SnapshotTask>(snapshot.Tasks.Count);
        foreach (var task in snapshot.Tasks)
        {
            if (starts.TryGetValue(task.Id, out var start) && IsLaterStart(task, start.Entry, retriedThenStarted.Contains(task.Id)))
            {
                tasks.Add(Leased(task.ShallowCopy(), start.Entry));
                applied[task.Id] = start.Index;
                leased++;
            }
            else
            {
                tasks.Add(task);
            }
        }

        var fresh = new HashSet<string>(StringComparer.Ordinal);
        var sequence = SequenceFloor(snapshot, log);
        foreach (var entry in log)
        {
            if (entry is not { Kind: JournalEntryKind.Enqueued, Task: { } submitted } || entry.At.ToUnixTimeMilliseconds() < sinceMs) continue;
            if (inSnapshot.ContainsKey(entry.TaskId) || !fresh.Add(entry.TaskId)) continue;
            sequence++;
            var atMs = entry.At.ToUnixTimeMilliseconds();
            var task = new SnapshotTask
            {
                Id = entry.TaskId,
                Type = submitted.Type,
                PayloadJson = submitted.PayloadJson,
                Priority = submitted.Priority,
                MaxRetries = submitted.MaxRetries,
                Seq = sequence,
                CreatedSeq = sequence,
                CreatedAtMs = atMs,
                UpdatedAtMs = atMs,
                Status = QueueTaskStatus.Queued.ToWire(),
            };
            if (starts.TryGetValue(entry.TaskId, out var start))
            {
                Leased(task, start.Entry);
                applied[entry.TaskId] = start.Index;
                leased++;
            }
            else if (submitted.RunAt is { } runAt && runAt > now)
            {
                task.Status = QueueTaskStatus.Scheduled.ToWire();
                task.ScheduledForMs = runAt.ToUnixTimeMilliseconds();
            }
            // Not counted here: created after the snapshot, it is counted by the import (SnapshotImport.CountersAsOfTasks).
            tasks.Add(task);
        }

        var changes = new List<JournalEntry>();
        for (var i = 0; i < log.Count; i++)
        {
            var entry = log[i];
            if (entry.Kind is not (JournalEntryKind.Cancelled or JournalEntryKind.Retried)) continue;
            // A change the snapshot's copy of the task already shows (it changed later) is not applied again, nor one
            // logged before the start the task comes back under: that start already followed it.
            if (!IsNewerThanSnapshot(entry, inSnapshot, sinceMs)) continue;
            if (applied.TryGetValue(entry.TaskId, out var startIndex) && i < startIndex) continue;
            changes.Add(entry);
        }

        var merged = snapshot.ShallowCopy();
        merged.Tasks = tasks;
        // merged.Sequence stays the snapshot's: it is the sequence its counters were read with, which the import's
        // counting of late tasks needs (SnapshotImport.CountersAsOfTasks); the import raises the store's sequence past
        // every task it brings, the added ones included.
        return new Plan(merged, fresh.Count, leased, changes);
    }

    // A change logged after the snapshot's view of its task (the log covers two snapshots).
    private static bool IsNewerThanSnapshot(JournalEntry entry, Dictionary<string, SnapshotTask> inSnapshot, long sinceMs)
    {
        var atMs = entry.At.ToUnixTimeMilliseconds();
        return atMs >= sinceMs && !(inSnapshot.TryGetValue(entry.TaskId, out var task) && atMs <= task.UpdatedAtMs);
    }

    /// <summary>
    /// Numbers handed out after the snapshot that the log may not show: a started event lost by pub/sub leaves its lease
    /// token unlogged. The restored sequence skips this many, so no new lease reuses such a token (a token is checked
    /// alone, without the worker). Scores stay far inside <see cref="TaskScore.SequenceSpan"/> (2^46).
    /// </summary>
    public const long UnloggedNumbersMargin = 1L << 20;

    /// <summary>
    /// Where the log's tasks are numbered from: above every number the snapshot or the log holds, not only the
    /// snapshot's <see cref="StoreSnapshot.Sequence"/>, which is read as the export starts; tasks enqueued while it ran
    /// carry higher numbers. Two tasks with one creation number would share a score in <c>all</c>, and a paged export
    /// (the next backup) steps past the second of them at a page boundary.
    /// </summary>
    private static long SequenceFloor(StoreSnapshot snapshot, IReadOnlyList<JournalEntry> log)
    {
        var highest = snapshot.Sequence;
        foreach (var task in snapshot.Tasks)
            highest = Math.Max(highest, Math.Max(Math.Max(task.Seq, task.CreatedSeq), task.LeaseToken ?? 0));
        foreach (var entry in log)
            highest = Math.Max(highest, entry.LeaseToken ?? 0);
        return highest + UnloggedNumbersMargin;
    }

    // A start after the snapshot's view of the task: a higher attempt, or the same one under another lease while it was processing;
    // never over a finished task, and never one older than the snapshot's last change of the task (a hand-back or a failure
    // after it, both stamped by the same Redis clock as the start). A started event's time is the task's update time.
    // A retry after the snapshot's view and then this start: the start is later whatever the snapshot says (a retry resets
    // the attempts, and may follow a finish).
    private static bool IsLaterStart(SnapshotTask task, JournalEntry start, bool retriedBefore)
    {
        if (start.At.ToUnixTimeMilliseconds() < task.UpdatedAtMs) return false;
        if (retriedBefore) return true;
        if (!QueueTaskStatusNames.TryParse(task.Status, out var status)
            || status is QueueTaskStatus.Completed or QueueTaskStatus.Failed or QueueTaskStatus.Cancelled) return false;
        return start.Attempt > task.Attempts
            || (status == QueueTaskStatus.Processing && start.Attempt == task.Attempts && start.LeaseToken != task.LeaseToken);
    }

    private static SnapshotTask Leased(SnapshotTask task, JournalEntry start)
    {
        var atMs = start.At.ToUnixTimeMilliseconds();
        task.Status = QueueTaskStatus.Processing.ToWire();
        task.Attempts = start.Attempt!.Value;
        task.WorkerId = start.WorkerId;
        task.LeaseToken = start.LeaseToken;
        task.StartedAtMs = atMs;
        task.UpdatedAtMs = Math.Max(task.UpdatedAtMs, atMs);
        // The import gives a held lease its fresh expiry; a plain import queues the task again.
        task.LeaseExpiresAtMs = atMs;
        task.ScheduledForMs = null;
        task.CompletedAtMs = null;
        task.CancelRequested = false;
        return task;
    }
}
