namespace QueueClient;

/// <summary>Options of a transcription submission (the audio is passed separately).</summary>
public sealed record TranscriptionOptions
{
    /// <summary>0–100, higher first; null for the server's default (0).</summary>
    public int? Priority { get; init; }
    /// <summary>Retries after the first attempt, 0–100; null for the server's default (3).</summary>
    public int? MaxRetries { get; init; }
    /// <summary>The spoken language, such as <c>en-us</c>; null for the worker's default.</summary>
    public string? Language { get; init; }
    /// <summary><c>risk-detection</c> to score the transcript when it is ready; null for nothing.</summary>
    public string? Then { get; init; }
}

/// <summary>A risk-detection submission: exactly one of <see cref="Text"/> and <see cref="TranscriptionTaskId"/>.</summary>
public sealed record RiskDetectionRequest
{
    /// <summary>The text to score.</summary>
    public string? Text { get; init; }
    /// <summary>A completed transcription task whose transcript is scored.</summary>
    public string? TranscriptionTaskId { get; init; }
    /// <summary>0–100, higher first; null for the server's default (0).</summary>
    public int? Priority { get; init; }
    /// <summary>Retries after the first attempt, 0–100; null for the server's default (3).</summary>
    public int? MaxRetries { get; init; }
    /// <summary>Your own labels, kept with the task (at most 32; keys 1–64 characters, values at most 1024).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

/// <summary>The filter and page of <c>GET /tasks</c>; null fields are left to the server's defaults.</summary>
public sealed record TaskListQuery
{
    /// <summary>Only tasks in this status.</summary>
    public QueueTaskStatus? Status { get; init; }
    /// <summary>Only tasks of this queue.</summary>
    public string? Type { get; init; }
    /// <summary>Page size, 1–500 (server default 50).</summary>
    public int? Limit { get; init; }
    /// <summary>Tasks to skip.</summary>
    public int? Offset { get; init; }
}
