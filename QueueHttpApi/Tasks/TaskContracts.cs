using System.ComponentModel;
using QueueService.Stores;
using QueueService.Tasks;

namespace QueueHttpApi.Tasks;

/// <summary>The answer to a submission (202): where the new task stands.</summary>
/// <param name="Id">The task id (a version-7 GUID).</param>
/// <param name="Type">Its queue: <c>transcription</c> or <c>risk-detection</c>.</param>
/// <param name="Status"><c>queued</c>.</param>
/// <param name="Priority">0–100, higher first.</param>
/// <param name="QueuePosition">1-based place in its queue.</param>
/// <param name="EstimatedWaitSeconds">Expected seconds until a worker starts it; null until the queue has a processing-time history.</param>
/// <param name="CreatedAt">When it was accepted.</param>
public sealed record SubmittedTaskView(string Id, string Type, string Status, int Priority,
    long? QueuePosition, double? EstimatedWaitSeconds, DateTimeOffset CreatedAt)
{
    /// <summary>The view of what an enqueue did.</summary>
    public static SubmittedTaskView From(EnqueueResult result, string type, int priority)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new(result.Id, type, result.Status.ToWire(), priority, result.QueuePosition, Seconds(result.EstimatedWait), result.CreatedAt);
    }

    /// <summary>The view of a task read back (a submission whose enqueue answer was lost but which did apply).</summary>
    public static SubmittedTaskView From(QueueTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new(task.Id, task.Type, task.Status.ToWire(), task.Priority, task.QueuePosition, Seconds(task.EstimatedWait), task.CreatedAt);
    }

    private static double? Seconds(TimeSpan? wait) => wait is { } w ? Math.Round(w.TotalSeconds, 3) : null;
}

/// <summary>A page of tasks (<c>GET /tasks</c>).</summary>
/// <param name="Items">The tasks of the page, in the order <see cref="TaskQuery"/> describes.</param>
/// <param name="Total">How many tasks match the filter in all.</param>
/// <param name="Offset">Tasks skipped before this page.</param>
/// <param name="Limit">The page size asked for.</param>
public sealed record TaskListView(IReadOnlyList<TaskView> Items, long Total, int Offset, int Limit);

/// <summary>The JSON body of <c>POST /tasks/risk-detection</c> (documentation: the endpoint reads the body strictly itself).</summary>
/// <param name="Text">The text to score; exclusive with <paramref name="TranscriptionTaskId"/>; not empty or blank.</param>
/// <param name="TranscriptionTaskId">A completed transcription task whose transcript is scored; exclusive with <paramref name="Text"/>.</param>
/// <param name="Priority">0–100, higher first; default 0.</param>
/// <param name="MaxRetries">Retries after the first attempt, 0–100; default 3.</param>
/// <param name="Metadata">Your own labels, kept with the task: at most 32 entries, keys 1–64 characters, values at most 1024.</param>
public sealed record RiskDetectionRequest(
    [property: Description("The text to score; exclusive with transcriptionTaskId.")] string? Text = null,
    [property: Description("A completed transcription task whose transcript is scored; exclusive with text.")] string? TranscriptionTaskId = null,
    [property: Description("0-100, higher first; default 0.")] int? Priority = null,
    [property: Description("Retries after the first attempt, 0-100; default 3.")] int? MaxRetries = null,
    [property: Description("Labels kept with the task: at most 32 entries, keys 1-64 characters, values at most 1024.")] IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>The JSON body of <c>POST /tasks/transcription</c> naming a file in the input root (documentation).</summary>
/// <param name="AudioPath">A WAV file inside <c>Queue:Api:InputRoot</c>: absolute, or relative to the root.</param>
/// <param name="Priority">0–100, higher first; default 0.</param>
/// <param name="MaxRetries">Retries after the first attempt, 0–100; default 3.</param>
/// <param name="Language">The spoken language, such as <c>en-us</c>; default the worker's.</param>
/// <param name="Then"><c>risk-detection</c> to score the transcript when it is ready.</param>
public sealed record TranscriptionPathRequest(
    [property: Description("A WAV file inside the configured input root: absolute, or relative to the root.")] string AudioPath,
    [property: Description("0-100, higher first; default 0.")] int? Priority = null,
    [property: Description("Retries after the first attempt, 0-100; default 3.")] int? MaxRetries = null,
    [property: Description("The spoken language, such as en-us; default the worker's.")] string? Language = null,
    [property: Description("risk-detection to score the transcript when it is ready.")] string? Then = null);

/// <summary>The multipart form of <c>POST /tasks/transcription</c> (documentation).</summary>
/// <param name="Audio">The WAV file.</param>
/// <param name="Priority">0–100, higher first; default 0.</param>
/// <param name="MaxRetries">Retries after the first attempt, 0–100; default 3.</param>
/// <param name="Language">The spoken language, such as <c>en-us</c>.</param>
/// <param name="Then"><c>risk-detection</c> to score the transcript when it is ready.</param>
public sealed record TranscriptionUploadForm(
    [property: Description("The WAV file (RIFF/WAVE); at most Queue:Api:MaxUploadBytes, default 100 MiB.")] IFormFile Audio,
    [property: Description("0-100, higher first; default 0.")] int? Priority = null,
    [property: Description("Retries after the first attempt, 0-100; default 3.")] int? MaxRetries = null,
    [property: Description("The spoken language, such as en-us; default the worker's.")] string? Language = null,
    [property: Description("risk-detection to score the transcript when it is ready.")] string? Then = null);
