using QueueService.Tasks;

namespace QueueService.Stores.Memory;

/// <summary>
/// A task as the in-memory store keeps it: mutable, touched only under the store's lock, times in
/// Unix milliseconds (the precision both stores report). Read out as an immutable <see cref="QueueTask"/>.
/// </summary>
internal sealed class StoredTask
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required string PayloadJson { get; init; }
    public int Priority { get; init; }
    public int MaxRetries { get; init; }
    /// <summary>The creation sequence: the score in the all-tasks indexes (newest created first).</summary>
    public long CreatedSeq { get; init; }
    public long CreatedAtMs { get; init; }

    public QueueTaskStatus Status { get; set; }
    /// <summary>The run sequence: a task released or reaped goes back with it, so it keeps its place.</summary>
    public long RunSeq { get; set; }
    public int Attempts { get; set; }
    public long UpdatedAtMs { get; set; }
    public long? StartedAtMs { get; set; }
    public long? CompletedAtMs { get; set; }
    public long? ScheduledForMs { get; set; }
    public string? WorkerId { get; set; }
    public long? LeaseToken { get; set; }
    public long? LeaseExpiresAtMs { get; set; }
    public bool IsCancelRequested { get; set; }
    public TaskProgress? Progress { get; set; }
    public string? ResultJson { get; set; }
    public string? LastError { get; set; }
    public List<TaskErrorEntry> ErrorHistory { get; } = [];

    /// <summary>The score in the index of its current status (the same numbers the Redis zsets hold).</summary>
    public long StatusScore => Status switch
    {
        QueueTaskStatus.Queued => TaskScore.For(Priority, RunSeq),
        QueueTaskStatus.Scheduled => ScheduledForMs ?? 0,
        QueueTaskStatus.Processing => LeaseExpiresAtMs ?? 0,
        _ => CompletedAtMs ?? 0,
    };

    /// <summary>Appends to the error history, keeping the last <see cref="TaskLimits.ErrorHistoryLength"/>.</summary>
    public void RecordError(string message, string kind, long nowMs)
    {
        var text = TaskLimits.TrimError(message);
        LastError = text;
        ErrorHistory.Add(new TaskErrorEntry(Attempts, text, DateTimeOffset.FromUnixTimeMilliseconds(nowMs), kind));
        if (ErrorHistory.Count > TaskLimits.ErrorHistoryLength)
            ErrorHistory.RemoveRange(0, ErrorHistory.Count - TaskLimits.ErrorHistoryLength);
    }

    /// <summary>Leaves processing: the lease token and expiry go, the worker id stays (who ran it last).</summary>
    public void ClearLease()
    {
        LeaseToken = null;
        LeaseExpiresAtMs = null;
    }

    /// <summary>An immutable copy for callers, with its position and wait when queued.</summary>
    public QueueTask ToQueueTask(long? queuePosition, TimeSpan? estimatedWait) => new()
    {
        Id = Id,
        Type = Type,
        PayloadJson = PayloadJson,
        Priority = Priority,
        Status = Status,
        Attempts = Attempts,
        MaxRetries = MaxRetries,
        CreatedAt = FromMs(CreatedAtMs),
        UpdatedAt = FromMs(UpdatedAtMs),
        StartedAt = FromMs(StartedAtMs),
        CompletedAt = FromMs(CompletedAtMs),
        ScheduledFor = FromMs(ScheduledForMs),
        WorkerId = WorkerId,
        LeaseExpiresAt = FromMs(LeaseExpiresAtMs),
        IsCancelRequested = IsCancelRequested,
        Progress = Progress,
        ResultJson = ResultJson,
        LastError = LastError,
        ErrorHistory = [.. ErrorHistory],
        QueuePosition = queuePosition,
        EstimatedWait = estimatedWait,
    };

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static DateTimeOffset? FromMs(long? ms) => ms is { } value ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;
}
