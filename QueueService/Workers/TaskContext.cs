using QueueService.Tasks;

namespace QueueService.Workers;

/// <summary>What a handler gets for one attempt: the task, its attempt number, progress reporting and cancellation.</summary>
public sealed class TaskContext
{
    private readonly Func<TaskProgress, CancellationToken, Task> _reportProgress;

    /// <summary>Creates a context (the processing loop does; tests may too).</summary>
    public TaskContext(string taskId, string queue, string payloadJson, int attempt, int maxRetries, string workerId,
        Func<TaskProgress, CancellationToken, Task> reportProgress, CancellationToken cancellationToken)
    {
        TaskId = taskId;
        Queue = queue;
        PayloadJson = payloadJson;
        Attempt = attempt;
        MaxRetries = maxRetries;
        WorkerId = workerId;
        _reportProgress = reportProgress;
        CancellationToken = cancellationToken;
    }

    /// <summary>The task id.</summary>
    public string TaskId { get; }
    /// <summary>The queue it came from.</summary>
    public string Queue { get; }
    /// <summary>The payload, as JSON text.</summary>
    public string PayloadJson { get; }
    /// <summary>1-based attempt number; above 1 the task ran before (at-least-once delivery).</summary>
    public int Attempt { get; }
    /// <summary>Retries allowed after the first attempt.</summary>
    public int MaxRetries { get; }
    /// <summary>The worker running it.</summary>
    public string WorkerId { get; }
    /// <summary>Fires on user cancel, maximum processing time, or the end of the shutdown grace period.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Records progress (0–100, clamped) with an optional message. A lost lease surfaces here as <see cref="Stores.QueueStoreException"/>.</summary>
    public Task ReportProgressAsync(int percent, string? message = null, string? detailsJson = null) =>
        _reportProgress(new TaskProgress(Math.Clamp(percent, 0, 100), message, detailsJson), CancellationToken);
}
