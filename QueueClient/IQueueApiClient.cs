namespace QueueClient;

/// <summary>
/// The typed client of the RedisQueue HTTP API. Every method throws <see cref="QueueApiException"/> when the
/// API answers with a problem (4xx/5xx), <see cref="HttpRequestException"/> when it cannot be reached, and
/// <see cref="OperationCanceledException"/> when <c>cancellationToken</c> fires. Through <c>AddQueueClient</c>, reads
/// (GET) are retried on transient failures; submissions, cancels and admin calls never are (the API has no
/// idempotency key, so a retried submission could enqueue twice). <see cref="QueueApiClient.Create"/> retries nothing.
/// </summary>
public interface IQueueApiClient
{
    /// <summary><c>POST /tasks/transcription</c> with <paramref name="audio"/> uploaded as a WAV file named <paramref name="fileName"/>.</summary>
    Task<SubmittedTask> SubmitTranscriptionAsync(Stream audio, string fileName, TranscriptionOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary><c>POST /tasks/transcription</c> uploading the local WAV file at <paramref name="filePath"/>.</summary>
    Task<SubmittedTask> SubmitTranscriptionAsync(string filePath, TranscriptionOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary><c>POST /tasks/transcription</c> naming a file already inside the server's input root (JSON <c>audioPath</c>), so nothing is uploaded.</summary>
    Task<SubmittedTask> SubmitTranscriptionFromServerPathAsync(string audioPath, TranscriptionOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary><c>POST /tasks/risk-detection</c>.</summary>
    Task<SubmittedTask> SubmitRiskDetectionAsync(RiskDetectionRequest request, CancellationToken cancellationToken = default);

    /// <summary><c>GET /tasks/{id}</c>; 404 is a <see cref="QueueApiException"/>.</summary>
    Task<QueueTask> GetTaskAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /tasks</c> with the filter and page of <paramref name="query"/>.</summary>
    Task<TaskPage> ListTasksAsync(TaskListQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /tasks/{id}</c>: cancels a waiting task, or asks a running one to stop; returns the task after it.</summary>
    Task<QueueTask> CancelAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>POST /tasks/{id}/retry</c>: queues a failed or cancelled task again; returns the task after it.</summary>
    Task<QueueTask> RetryAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /stats</c>.</summary>
    Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken = default);

    /// <summary><c>GET /workers</c>.</summary>
    Task<WorkerList> GetWorkersAsync(CancellationToken cancellationToken = default);

    /// <summary><c>GET /health</c>; an unhealthy service (503) is returned as a report, not thrown.</summary>
    Task<HealthReport> GetHealthAsync(CancellationToken cancellationToken = default);

    /// <summary><c>POST /admin/backup</c> (admin key).</summary>
    Task<BackupResult> BackupAsync(CancellationToken cancellationToken = default);

    /// <summary><c>POST /admin/cleanup-stuck-tasks</c> (admin key).</summary>
    Task<CleanupResult> CleanupStuckTasksAsync(CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /admin/tasks?olderThanHours=N</c> (admin key): deletes finished tasks older than that.</summary>
    Task<PurgeResult> ClearFinishedAsync(double olderThanHours, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits until the task is finished (completed, failed or cancelled) and returns it as <c>GET /tasks/{id}</c>
    /// shows it then. Follows <c>/ws/tasks/{id}</c>; when the socket cannot be opened or drops, polls every
    /// <see cref="QueueClientOptions.PollInterval"/> instead. Cancelling the token stops waiting (the task is not cancelled).
    /// </summary>
    Task<QueueTask> WaitForCompletionAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// The task's messages as they happen: a <c>snapshot</c> first, then events and <c>position</c> changes, ending
    /// after a terminal event. A dropped socket is reopened (its first message is a fresh snapshot); if it cannot be,
    /// the task is polled and a <c>snapshot</c> yielded whenever it changed.
    /// </summary>
    IAsyncEnumerable<TaskEvent> WatchAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Every task event of the service (<c>/ws/events</c>) until cancelled; at most once (see docs/api-events.md).</summary>
    IAsyncEnumerable<TaskEvent> WatchAllAsync(CancellationToken cancellationToken = default);
}
