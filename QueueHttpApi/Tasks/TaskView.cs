using System.Text.Json;
using QueueService.Tasks;

namespace QueueHttpApi.Tasks;

/// <summary>
/// A task as the API shows it (JSON camelCase). Payload and result are the stored JSON, embedded as
/// JSON rather than as strings; times are ISO 8601 UTC; absent values are null.
/// </summary>
public sealed record TaskView
{
    /// <summary>The task id.</summary>
    public required string Id { get; init; }
    /// <summary>Its queue: <c>transcription</c>, <c>risk-detection</c>.</summary>
    public required string Type { get; init; }
    /// <summary><c>queued</c>, <c>scheduled</c>, <c>processing</c>, <c>completed</c>, <c>failed</c>, <c>cancelled</c>.</summary>
    public required string Status { get; init; }
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
    /// <summary>When a scheduled task (delay or retry backoff) becomes due.</summary>
    public DateTimeOffset? ScheduledFor { get; init; }
    /// <summary>The worker running it, or that ran it last.</summary>
    public string? WorkerId { get; init; }
    /// <summary>True when a cancel was asked for while it was processing.</summary>
    public bool CancelRequested { get; init; }
    /// <summary>The handler's latest progress.</summary>
    public ProgressView? Progress { get; init; }
    /// <summary>1-based place in its queue; only while queued.</summary>
    public long? QueuePosition { get; init; }
    /// <summary>Expected seconds until a worker starts it; only while queued, once the queue has a processing-time history.</summary>
    public double? EstimatedWaitSeconds { get; init; }
    /// <summary>What was submitted.</summary>
    public JsonElement? Payload { get; init; }
    /// <summary>The handler's result, once completed.</summary>
    public JsonElement? Result { get; init; }
    /// <summary>The latest error, if an attempt failed.</summary>
    public string? Error { get; init; }
    /// <summary>Every recorded error, oldest first.</summary>
    public IReadOnlyList<ErrorView> Errors { get; init; } = [];

    /// <summary>The view of a stored task.</summary>
    public static TaskView From(QueueTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new TaskView
        {
            Id = task.Id, Type = task.Type, Status = task.Status.ToWire(), Priority = task.Priority,
            Attempts = task.Attempts, MaxRetries = task.MaxRetries,
            CreatedAt = task.CreatedAt, UpdatedAt = task.UpdatedAt, StartedAt = task.StartedAt,
            CompletedAt = task.CompletedAt, ScheduledFor = task.ScheduledFor, WorkerId = task.WorkerId,
            CancelRequested = task.IsCancelRequested,
            Progress = task.Progress is { } p ? new ProgressView(p.Percent, p.Message) : null,
            QueuePosition = task.QueuePosition,
            EstimatedWaitSeconds = task.EstimatedWait is { } wait ? Math.Round(wait.TotalSeconds, 3) : null,
            Payload = ParseJson(task.PayloadJson), Result = ParseJson(task.ResultJson), Error = task.LastError,
            Errors = [.. task.ErrorHistory.Select(e => new ErrorView(e.Attempt, e.Message, e.At, e.Kind))],
        };
    }

    // Stored JSON was validated on the way in; anything unreadable is shown as a JSON string, not an error.
    private static JsonElement? ParseJson(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(json);
        }
    }
}

/// <summary>Progress a handler reported.</summary>
/// <param name="Percent">0–100.</param>
/// <param name="Message">A short note, such as <c>chunk 3 of 10</c>.</param>
public sealed record ProgressView(int Percent, string? Message);

/// <summary>One recorded failure.</summary>
/// <param name="Attempt">The attempt that failed (1-based).</param>
/// <param name="Message">What went wrong.</param>
/// <param name="At">When.</param>
/// <param name="Kind"><c>error</c>, <c>timeout</c>, <c>lease-expired</c>, <c>cancelled</c>.</param>
public sealed record ErrorView(int Attempt, string Message, DateTimeOffset At, string Kind);
