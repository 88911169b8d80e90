using System.Text.Json;
using System.Text.Json.Serialization;

namespace QueueClient;

/// <summary>A task's status, as the API names it (<c>queued</c>, <c>scheduled</c>, …).</summary>
[JsonConverter(typeof(TaskStatusJsonConverter))]
public enum QueueTaskStatus
{
    /// <summary>A status this client does not know (a newer server); read <see cref="QueueTask.Status"/> as a string through the raw JSON if it matters.</summary>
    Unknown = 0,
    /// <summary>Waiting in its queue.</summary>
    Queued,
    /// <summary>Waiting for its time (a delay, or a retry's backoff).</summary>
    Scheduled,
    /// <summary>Leased by a worker.</summary>
    Processing,
    /// <summary>Finished with a result.</summary>
    Completed,
    /// <summary>Failed for good (retries spent or a permanent error); may still be retried by hand.</summary>
    Failed,
    /// <summary>Cancelled.</summary>
    Cancelled,
}

/// <summary>Helpers on <see cref="QueueTaskStatus"/>.</summary>
public static class QueueTaskStatusExtensions
{
    /// <summary>True for <c>completed</c>, <c>failed</c> and <c>cancelled</c>: nothing more happens unless someone retries it.</summary>
    public static bool IsFinished(this QueueTaskStatus status) =>
        status is QueueTaskStatus.Completed or QueueTaskStatus.Failed or QueueTaskStatus.Cancelled;

    /// <summary>The API's name of the status (<c>queued</c>, …).</summary>
    public static string ToWire(this QueueTaskStatus status) => status switch
    {
        QueueTaskStatus.Queued => "queued",
        QueueTaskStatus.Scheduled => "scheduled",
        QueueTaskStatus.Processing => "processing",
        QueueTaskStatus.Completed => "completed",
        QueueTaskStatus.Failed => "failed",
        QueueTaskStatus.Cancelled => "cancelled",
        _ => "unknown",
    };

    /// <summary>The status the API calls <paramref name="wire"/>; <see cref="QueueTaskStatus.Unknown"/> for anything else.</summary>
    public static QueueTaskStatus Parse(string? wire) => wire switch
    {
        "queued" => QueueTaskStatus.Queued,
        "scheduled" => QueueTaskStatus.Scheduled,
        "processing" => QueueTaskStatus.Processing,
        "completed" => QueueTaskStatus.Completed,
        "failed" => QueueTaskStatus.Failed,
        "cancelled" => QueueTaskStatus.Cancelled,
        _ => QueueTaskStatus.Unknown,
    };
}

/// <summary>Reads and writes <see cref="QueueTaskStatus"/> as the API's lower-case names; an unknown name reads as <see cref="QueueTaskStatus.Unknown"/>.</summary>
internal sealed class TaskStatusJsonConverter : JsonConverter<QueueTaskStatus>
{
    public override QueueTaskStatus Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        QueueTaskStatusExtensions.Parse(reader.GetString());

    public override void Write(Utf8JsonWriter writer, QueueTaskStatus value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToWire());
    }
}

/// <summary>A task as <c>GET /tasks/{id}</c> shows it.</summary>
public sealed record QueueTask
{
    /// <summary>The task id.</summary>
    public required string Id { get; init; }
    /// <summary>Its queue: <c>transcription</c>, <c>risk-detection</c>.</summary>
    public required string Type { get; init; }
    /// <summary>Where it stands.</summary>
    public QueueTaskStatus Status { get; init; }
    /// <summary>0–100, higher first.</summary>
    public int Priority { get; init; }
    /// <summary>Attempts started.</summary>
    public int Attempts { get; init; }
    /// <summary>Retries allowed after the first attempt.</summary>
    public int MaxRetries { get; init; }
    /// <summary>When it was submitted.</summary>
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>When it last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>When its current or last attempt started.</summary>
    public DateTimeOffset? StartedAt { get; init; }
    /// <summary>When it finished.</summary>
    public DateTimeOffset? CompletedAt { get; init; }
    /// <summary>When a scheduled task becomes due.</summary>
    public DateTimeOffset? ScheduledFor { get; init; }
    /// <summary>The worker running it, or that ran it last.</summary>
    public string? WorkerId { get; init; }
    /// <summary>True when a cancel was asked for while it was processing.</summary>
    public bool CancelRequested { get; init; }
    /// <summary>The handler's latest progress.</summary>
    public TaskProgress? Progress { get; init; }
    /// <summary>1-based place in its queue; only while queued.</summary>
    public long? QueuePosition { get; init; }
    /// <summary>Expected seconds until a worker starts it; only while queued, once the queue has a processing-time history.</summary>
    public double? EstimatedWaitSeconds { get; init; }
    /// <summary>What was submitted (JSON).</summary>
    public JsonElement? Payload { get; init; }
    /// <summary>The handler's result (JSON), once completed.</summary>
    public JsonElement? Result { get; init; }
    /// <summary>The latest error, if an attempt failed.</summary>
    public string? Error { get; init; }
    /// <summary>Every recorded error, oldest first.</summary>
    public IReadOnlyList<TaskError> Errors { get; init; } = [];

    /// <summary><see cref="EstimatedWaitSeconds"/> as a time span.</summary>
    [JsonIgnore]
    public TimeSpan? EstimatedWait => EstimatedWaitSeconds is { } s ? TimeSpan.FromSeconds(s) : null;

    /// <summary>The result read as <typeparamref name="T"/> (camelCase JSON); default when there is none.</summary>
    public T? ResultAs<T>() => Result is { } result ? result.Deserialize<T>(QueueJson.Options) : default;
}

/// <summary>Progress a handler reported.</summary>
/// <param name="Percent">0–100.</param>
/// <param name="Message">A short note, such as <c>chunk 3 of 10</c>.</param>
public sealed record TaskProgress(int Percent, string? Message);

/// <summary>One recorded failure.</summary>
/// <param name="Attempt">The attempt that failed (1-based).</param>
/// <param name="Message">What went wrong.</param>
/// <param name="At">When.</param>
/// <param name="Kind"><c>error</c>, <c>timeout</c>, <c>lease-expired</c>, <c>cancelled</c>.</param>
public sealed record TaskError(int Attempt, string Message, DateTimeOffset At, string Kind);

/// <summary>The answer to a submission: where the new task stands.</summary>
/// <param name="Id">The task id.</param>
/// <param name="Type">Its queue.</param>
/// <param name="Status">Normally <c>queued</c>.</param>
/// <param name="Priority">0–100, higher first.</param>
/// <param name="QueuePosition">1-based place in its queue.</param>
/// <param name="EstimatedWaitSeconds">Expected seconds until a worker starts it; null until the queue has a processing-time history.</param>
/// <param name="CreatedAt">When it was accepted.</param>
/// <param name="Location">The task's URL, from the <c>Location</c> header.</param>
public sealed record SubmittedTask(string Id, string Type, QueueTaskStatus Status, int Priority,
    long? QueuePosition, double? EstimatedWaitSeconds, DateTimeOffset CreatedAt, Uri? Location = null);

/// <summary>A page of tasks (<c>GET /tasks</c>).</summary>
/// <param name="Items">The tasks of the page.</param>
/// <param name="Total">How many tasks match the filter in all.</param>
/// <param name="Offset">Tasks skipped before this page.</param>
/// <param name="Limit">The page size asked for.</param>
public sealed record TaskPage(IReadOnlyList<QueueTask> Items, long Total, int Offset, int Limit);
