using MessagePack;

namespace QueueService.Snapshots;

/// <summary>
/// A store's whole state at one time, as written to a backup file (the body after the header, see
/// <see cref="SnapshotFile"/>). Explicit integer keys: a key is never reused or renumbered; a new
/// field takes the next key, and readers of an older body see its default.
/// </summary>
[MessagePackObject]
public sealed class StoreSnapshot
{
    /// <summary>The store's epoch: a random id written when its namespace was first initialised.</summary>
    [Key(0)] public string Epoch { get; set; } = "";
    /// <summary>When the snapshot was taken (Unix ms, store time).</summary>
    [Key(1)] public long TakenAtMs { get; set; }
    /// <summary>Which store it came from: <c>redis</c>, <c>memory</c>.</summary>
    [Key(2)] public string Store { get; set; } = "";
    /// <summary>The enqueue sequence: the last number given out. A restore continues above it.</summary>
    [Key(3)] public long Sequence { get; set; }
    /// <summary>Every task: not finished (with its order and lease), and finished ones still within retention.</summary>
    [Key(4)] public List<SnapshotTask> Tasks { get; set; } = [];
    /// <summary>Per-queue counters and the moving average behind the wait estimate.</summary>
    [Key(5)] public List<SnapshotQueueStats> Queues { get; set; } = [];

    /// <summary>A copy sharing the lists (callers replace <see cref="Tasks"/>).</summary>
    internal StoreSnapshot ShallowCopy() => (StoreSnapshot)MemberwiseClone();
}

/// <summary>One task, every field a store keeps. Times are Unix ms; absent ones are null.</summary>
[MessagePackObject]
public sealed class SnapshotTask
{
    /// <summary>The task id.</summary>
    [Key(0)] public string Id { get; set; } = "";
    /// <summary>Its queue.</summary>
    [Key(1)] public string Type { get; set; } = "";
    /// <summary>The payload, as JSON text.</summary>
    [Key(2)] public string PayloadJson { get; set; } = "";
    /// <summary>0–100, higher first.</summary>
    [Key(3)] public int Priority { get; set; }
    /// <summary>The wire name (<c>queued</c>, <c>scheduled</c>, <c>processing</c>, …).</summary>
    [Key(4)] public string Status { get; set; } = "";
    /// <summary>Attempts started (a processing task counts its running one).</summary>
    [Key(5)] public int Attempts { get; set; }
    /// <summary>Retries allowed after the first attempt.</summary>
    [Key(6)] public int MaxRetries { get; set; }
    /// <summary>The run sequence: with <see cref="Priority"/> it gives the run order, <c>(100 − priority)·2^46 + seq</c>.</summary>
    [Key(7)] public long Seq { get; set; }
    /// <summary>When it was created.</summary>
    [Key(8)] public long CreatedAtMs { get; set; }
    /// <summary>When it last changed.</summary>
    [Key(9)] public long UpdatedAtMs { get; set; }
    /// <summary>When its last attempt started.</summary>
    [Key(10)] public long? StartedAtMs { get; set; }
    /// <summary>When it finished (completed, failed or cancelled).</summary>
    [Key(11)] public long? CompletedAtMs { get; set; }
    /// <summary>When a scheduled task becomes due.</summary>
    [Key(12)] public long? ScheduledForMs { get; set; }
    /// <summary>The worker that ran it last.</summary>
    [Key(13)] public string? WorkerId { get; set; }
    /// <summary>The current lease token while processing.</summary>
    [Key(14)] public long? LeaseToken { get; set; }
    /// <summary>When the current lease runs out while processing.</summary>
    [Key(15)] public long? LeaseExpiresAtMs { get; set; }
    /// <summary>A cancel was asked for while it ran.</summary>
    [Key(16)] public bool CancelRequested { get; set; }
    /// <summary>Last reported progress, 0–100; null when none.</summary>
    [Key(17)] public int? ProgressPercent { get; set; }
    /// <summary>The progress message.</summary>
    [Key(18)] public string? ProgressMessage { get; set; }
    /// <summary>The progress details, as JSON text.</summary>
    [Key(19)] public string? ProgressDetailsJson { get; set; }
    /// <summary>The result, as JSON text.</summary>
    [Key(20)] public string? ResultJson { get; set; }
    /// <summary>The last error message.</summary>
    [Key(21)] public string? LastError { get; set; }
    /// <summary>The error history, oldest first.</summary>
    [Key(22)] public List<SnapshotTaskError> Errors { get; set; } = [];
    /// <summary>The sequence number the task was created with (list order); 0 when the store keeps none.</summary>
    [Key(23)] public long CreatedSeq { get; set; }

    /// <summary>A copy with every field; the error list is shared.</summary>
    internal SnapshotTask ShallowCopy() => (SnapshotTask)MemberwiseClone();
}

/// <summary>One entry of a task's error history.</summary>
[MessagePackObject]
public sealed class SnapshotTaskError
{
    /// <summary>The attempt the error ended.</summary>
    [Key(0)] public int Attempt { get; set; }
    /// <summary>The error message.</summary>
    [Key(1)] public string Message { get; set; } = "";
    /// <summary>When it happened.</summary>
    [Key(2)] public long AtMs { get; set; }
    /// <summary>A <see cref="Tasks.TaskErrorKinds"/> value: <c>error</c>, <c>timeout</c>, <c>lease-expired</c>, …</summary>
    [Key(3)] public string Kind { get; set; } = "";

    /// <summary>The snapshot form of a history entry.</summary>
    public static SnapshotTaskError From(Tasks.TaskErrorEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new SnapshotTaskError { Attempt = entry.Attempt, Message = entry.Message, AtMs = entry.At.ToUnixTimeMilliseconds(), Kind = entry.Kind };
    }

    /// <summary>Back to a history entry.</summary>
    public Tasks.TaskErrorEntry ToEntry() => new(Attempt, Message, DateTimeOffset.FromUnixTimeMilliseconds(AtMs), Kind);
}

/// <summary>One queue's counters.</summary>
[MessagePackObject]
public sealed class SnapshotQueueStats
{
    /// <summary>Its queue.</summary>
    [Key(0)] public string Type { get; set; } = "";
    /// <summary>Tasks completed.</summary>
    [Key(1)] public long Completed { get; set; }
    /// <summary>Tasks failed for good.</summary>
    [Key(2)] public long Failed { get; set; }
    /// <summary>The moving average of processing time (ms) behind the wait estimate; null before the first completion.</summary>
    [Key(3)] public double? AverageProcessingMs { get; set; }
    /// <summary>Tasks ever enqueued on it.</summary>
    [Key(4)] public long Enqueued { get; set; }
}
