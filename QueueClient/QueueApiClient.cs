namespace QueueClient;

/// <summary>
/// The <see cref="IQueueApiClient"/> over an <see cref="HttpClient"/>. Use <c>services.AddQueueClient(...)</c>
/// in an application (IHttpClientFactory and standard resilience), or <see cref="Create"/> for a script or test.
/// </summary>
public sealed class QueueApiClient : IQueueApiClient
{
    private readonly HttpClient _http;
    private readonly QueueClientOptions _options;

    /// <summary>A client sending through <paramref name="http"/>; its <c>BaseAddress</c> is set from <paramref name="options"/> when unset.</summary>
    public QueueApiClient(HttpClient http, QueueClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options;
    }

    /// <summary>A client with its own <see cref="HttpClient"/> (no resilience pipeline), for scripts and tools.</summary>
    public static QueueApiClient Create(QueueClientOptions options) => throw new NotImplementedException();

    /// <inheritdoc/>
    public Task<SubmittedTask> SubmitTranscriptionAsync(Stream audio, string fileName, TranscriptionOptions? options = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc/>
    public Task<SubmittedTask> SubmitTranscriptionAsync(string filePath, TranscriptionOptions? options = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc/>
    public Task<SubmittedTask> SubmitTranscriptionFromServerPathAsync(string audioPath, TranscriptionOptions? options = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc/>
    public Task<SubmittedTask> SubmitRiskDetectionAsync(RiskDetectionRequest request, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc/>
    public Task<QueueTask> GetTaskAsync(string id, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc/>
    public Task<TaskPage> ListTasksAsync(TaskListQuery? query = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc/>
    public Task<QueueTask> CancelAsync(string id, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc/>
    public Task<QueueTask> RetryAsync(string id, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc/>
    public Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc/>
    public Task<WorkerList> GetWorkersAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc/>
    public Task<HealthReport> GetHealthAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc/>
    public Task<BackupResult> BackupAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc/>
    public Task<CleanupResult> CleanupStuckTasksAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc/>
    public Task<PurgeResult> ClearFinishedAsync(double olderThanHours, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc/>
    public Task<QueueTask> WaitForCompletionAsync(string id, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc/>
    public IAsyncEnumerable<TaskEvent> WatchAsync(string id, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc/>
    public IAsyncEnumerable<TaskEvent> WatchAllAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
