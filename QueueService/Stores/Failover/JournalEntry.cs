using QueueService.Tasks;

namespace QueueService.Stores.Failover;

/// <summary>What a journal entry records.</summary>
public enum JournalEntryKind
{
    /// <summary>A task accepted into memory during an outage (<see cref="JournalEntry.Task"/> holds it, its id set).</summary>
    Enqueued = 1,
    /// <summary>A task accepted during the outage was cancelled.</summary>
    Cancelled = 2,
    /// <summary>A task accepted during the outage was retried by hand.</summary>
    Retried = 3,
    /// <summary>A worker leased the task (redo log only): <see cref="JournalEntry.Attempt"/>, <see cref="JournalEntry.WorkerId"/> and <see cref="JournalEntry.LeaseToken"/> set.</summary>
    Started = 4,
}

/// <summary>
/// One change made while the store ran on memory, written to the journal (and on disk) before it is
/// acknowledged, so a crash during an outage loses nothing that was answered.
/// </summary>
/// <param name="Kind">What happened.</param>
/// <param name="TaskId">The task.</param>
/// <param name="At">When the store accepted it (the task's creation time for <see cref="JournalEntryKind.Enqueued"/>).</param>
/// <param name="Task">The task as submitted, for <see cref="JournalEntryKind.Enqueued"/> (its <see cref="NewTask.Id"/> set; a delay as <see cref="NewTask.RunAt"/>); null otherwise.</param>
/// <param name="Attempt">The attempt a <see cref="JournalEntryKind.Started"/> entry began (1-based); null otherwise.</param>
/// <param name="WorkerId">The worker that holds the lease of a <see cref="JournalEntryKind.Started"/> entry; null otherwise.</param>
/// <param name="LeaseToken">The lease token of a <see cref="JournalEntryKind.Started"/> entry; null otherwise.</param>
/// <remarks>The same entries make up the <see cref="RedoLog"/>, which records what Redis was told (see docs/failover.md).</remarks>
public sealed record JournalEntry(JournalEntryKind Kind, string TaskId, DateTimeOffset At, NewTask? Task = null,
    int? Attempt = null, string? WorkerId = null, long? LeaseToken = null);
