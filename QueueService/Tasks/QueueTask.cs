namespace QueueService.Tasks;

/// <summary>
/// A task as a store reports it. Payload and result are JSON text: the store does not interpret
/// them; handlers give them types (<see cref="Workers.TaskHandler{TPayload, TResult}"/>).
/// </summary>
public sealed record QueueTask
{
    /// <summary>Time-ordered id (a version-7 GUID unless the submitter chose one).</summary>
    public required string Id { get; init; }
    /// <summary>The queue the task runs on (<c>transcription</c>, <c>risk-detection</c>, …).</summary>
    public required string Type { get; init; }
    /// <summary>The payload, as JSON text.</summary>
    public required string PayloadJson { get; init; }
    /// <summary>0–100, higher runs first.</summary>
    public int Priority { get; init; }
    /// <summary>Where the task stands.</summary>
    public QueueTaskStatus Status { get; init; }
    /// <summary>How many times a worker has leased it (the attempt now running, if processing).</summary>
    public int Attempts { get; init; }
    /// <summary>Retries allowed after the first attempt; attempts may reach <c>MaxRetries + 1</c>.</summary>
    public int MaxRetries { get; init; }
    /// <summary>When it was first enqueued (store time).</summary>
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>When it last changed (store time).</summary>
    public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>When the current or last attempt started.</summary>
    public DateTimeOffset? StartedAt { get; init; }
    /// <summary>When it reached completed, failed or cancelled.</summary>
    public DateTimeOffset? CompletedAt { get; init; }
    /// <summary>When a scheduled task becomes due (delay or retry backoff).</summary>
    public DateTimeOffset? ScheduledFor { get; init; }
    /// <summary>The worker holding (or that last held) the lease.</summary>
    public string? WorkerId { get; init; }
    /// <summary>When the current lease expires unless renewed; null unless processing.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }
    /// <summary>True when a cancel was asked for while the task was processing.</summary>
    public bool IsCancelRequested { get; init; }
    /// <summary>The latest progress the handler reported, if any.</summary>
    public TaskProgress? Progress { get; init; }
    /// <summary>The result, as JSON text, once completed.</summary>
    public string? ResultJson { get; init; }
    /// <summary>The most recent error message, if any attempt failed.</summary>
    public string? LastError { get; init; }
    /// <summary>Every recorded error, oldest first (bounded to the last <see cref="TaskLimits.ErrorHistoryLength"/>).</summary>
    public IReadOnlyList<TaskErrorEntry> ErrorHistory { get; init; } = [];
    /// <summary>1-based place in its queue; only for queued tasks.</summary>
    public long? QueuePosition { get; init; }
    /// <summary>Expected time until a worker starts it; only for queued tasks with a processing-time history.</summary>
    public TimeSpan? EstimatedWait { get; init; }
}

/// <summary>Progress a handler reported: 0–100 and an optional message and JSON details.</summary>
/// <param name="Percent">0–100.</param>
/// <param name="Message">A short human-readable note (<c>"chunk 3 of 10"</c>).</param>
/// <param name="DetailsJson">Optional structured details as JSON text.</param>
public sealed record TaskProgress(int Percent, string? Message = null, string? DetailsJson = null);

/// <summary>One recorded failure.</summary>
/// <param name="Attempt">The attempt that failed (1-based).</param>
/// <param name="Message">What went wrong.</param>
/// <param name="At">When it was recorded (store time).</param>
/// <param name="Kind">What kind of end: <c>error</c>, <c>timeout</c>, <c>lease-expired</c>, <c>cancelled</c>.</param>
public sealed record TaskErrorEntry(int Attempt, string Message, DateTimeOffset At, string Kind = TaskErrorKinds.Error);

/// <summary>The values of <see cref="TaskErrorEntry.Kind"/>.</summary>
public static class TaskErrorKinds
{
    /// <summary>The handler threw or reported an error.</summary>
    public const string Error = "error";
    /// <summary>The attempt ran past the maximum processing time.</summary>
    public const string Timeout = "timeout";
    /// <summary>The worker's lease ran out (crash, hang, lost machine) and the reaper reclaimed it.</summary>
    public const string LeaseExpired = "lease-expired";
}
