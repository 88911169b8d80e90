using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Polly;
using QueueClient.Internal;

namespace QueueClient;

/// <summary>
/// The <see cref="IQueueApiClient"/> over an <see cref="HttpClient"/>. Use <c>services.AddQueueClient(...)</c>
/// in an application (IHttpClientFactory and standard resilience), or <see cref="Create"/> for a script or test.
/// </summary>
/// <remarks>
/// Addresses are built under the base address, so one with a path prefix (<c>http://host/queue/</c>) works with or
/// without its trailing slash. The admin key is sent (as <c>X-Api-Key</c>) on admin calls and WebSockets only.
/// </remarks>
public sealed partial class QueueApiClient : IQueueApiClient, IDisposable
{
    /// <summary>How long <see cref="Create"/>'s client waits for a read (GET), sending and answering included.</summary>
    internal static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long any other request may take: long enough for a 100 MiB upload at about 170 KB/s.</summary>
    internal static readonly TimeSpan WriteTimeout = TimeSpan.FromMinutes(10);

    private const string WavMediaType = "audio/wav";

    private readonly HttpClient _http;
    private readonly QueueClientOptions _options;
    private readonly ClientSettings _settings;
    private readonly TimeProvider _time;
    private readonly bool _ownsHttp;

    /// <summary>A client sending through <paramref name="http"/>; its <c>BaseAddress</c> is set from <paramref name="options"/> when unset.</summary>
    /// <exception cref="ArgumentException">The base address (from <paramref name="options"/> or <c>QUEUE_SERVICE_URL</c>) is not an absolute http(s) URL.</exception>
    public QueueApiClient(HttpClient http, QueueClientOptions options)
        : this(http, options, ClientSettings.ProcessEnvironment, TimeProvider.System, ownsHttp: false)
    {
    }

    internal QueueApiClient(HttpClient http, QueueClientOptions options, EnvironmentReader environment, TimeProvider time, bool ownsHttp)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options;
        // The options win; an address already on the HttpClient (configured on the typed client) comes next.
        _settings = ClientSettings.Resolve(options.BaseAddress is null && http.BaseAddress is { } configured
            ? new QueueClientOptions { BaseAddress = configured, ApiKey = options.ApiKey } : options, environment);
        http.BaseAddress ??= _settings.BaseAddress;
        _time = time;
        _ownsHttp = ownsHttp;
    }

    /// <summary>The API's root that every request is sent under (always ending in <c>/</c>).</summary>
    public Uri BaseAddress => _settings.BaseAddress;

    /// <summary>
    /// A client with its own <see cref="HttpClient"/> (no resilience pipeline, so nothing is retried), for scripts and
    /// tools. Reads time out after 30 s and other requests (uploads) after 10 minutes; a connection attempt after 10 s.
    /// Dispose it when done.
    /// </summary>
    public static QueueApiClient Create(QueueClientOptions options) => CreateOwning(options, ClientSettings.ProcessEnvironment, TimeProvider.System);

    internal static QueueApiClient CreateOwning(QueueClientOptions options, EnvironmentReader environment, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        // The client times each request itself (read or write), so the HttpClient's single timeout is off.
        var http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        try
        {
            return new QueueApiClient(http, options, environment, time, ownsHttp: true);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    /// <summary>Releases the <see cref="HttpClient"/> when <see cref="Create"/> made it; a client given by the caller is the caller's.</summary>
    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }

    /// <inheritdoc/>
    public async Task<SubmittedTask> SubmitTranscriptionAsync(Stream audio, string fileName, TranscriptionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        using var form = new MultipartFormDataContent();
        // The small fields first: the API checks each as it arrives, so a bad priority is refused before the audio is sent.
        AddField(form, "priority", options?.Priority);
        AddField(form, "maxRetries", options?.MaxRetries);
        AddField(form, "language", options?.Language);
        AddField(form, "then", options?.Then);
        // The caller's stream stays the caller's: disposing the request must not close it (they may rewind and resubmit).
        var file = new StreamContent(new LeaveOpenStream(audio), 81920);
        file.Headers.ContentType = new MediaTypeHeaderValue(WavMediaType);
        form.Add(file, "audio", fileName);
        return await SubmitAsync("tasks/transcription", form, cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="FileNotFoundException">No file is at <paramref name="filePath"/> (nothing is sent).</exception>
    public async Task<SubmittedTask> SubmitTranscriptionAsync(string filePath, TranscriptionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        var full = Path.GetFullPath(filePath);
        if (!File.Exists(full)) throw new FileNotFoundException($"No audio file at '{full}'.", full);
        await using var audio = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return await SubmitTranscriptionAsync(audio, Path.GetFileName(full), options, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<SubmittedTask> SubmitTranscriptionFromServerPathAsync(string audioPath, TranscriptionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(audioPath);
        using var body = JsonContent.Create(new
        {
            audioPath, priority = options?.Priority, maxRetries = options?.MaxRetries, language = options?.Language, then = options?.Then,
        }, options: QueueJson.Options);
        return await SubmitAsync("tasks/transcription", body, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<SubmittedTask> SubmitRiskDetectionAsync(RiskDetectionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var body = JsonContent.Create(request, options: QueueJson.Options);
        return await SubmitAsync("tasks/risk-detection", body, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<QueueTask> GetTaskAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<QueueTask>(HttpMethod.Get, TaskPath(id), cancellationToken: cancellationToken);

    /// <inheritdoc/>
    public Task<TaskPage> ListTasksAsync(TaskListQuery? query = null, CancellationToken cancellationToken = default)
    {
        var parameters = new List<string>();
        if (query?.Status is { } status) parameters.Add("status=" + Uri.EscapeDataString(status.ToWire()));
        if (query?.Type is { } type) parameters.Add("type=" + Uri.EscapeDataString(type));
        if (query?.Limit is { } limit) parameters.Add("limit=" + limit.ToString(CultureInfo.InvariantCulture));
        if (query?.Offset is { } offset) parameters.Add("offset=" + offset.ToString(CultureInfo.InvariantCulture));
        var path = parameters.Count == 0 ? "tasks" : "tasks?" + string.Join('&', parameters);
        return SendAsync<TaskPage>(HttpMethod.Get, path, cancellationToken: cancellationToken);
    }

    /// <inheritdoc/>
    public Task<QueueTask> CancelAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<QueueTask>(HttpMethod.Delete, TaskPath(id), cancellationToken: cancellationToken);

    /// <inheritdoc/>
    public Task<QueueTask> RetryAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<QueueTask>(HttpMethod.Post, TaskPath(id) + "/retry", cancellationToken: cancellationToken);

    /// <inheritdoc/>
    public Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<QueueStats>(HttpMethod.Get, "stats", cancellationToken: cancellationToken);

    /// <inheritdoc/>
    public Task<WorkerList> GetWorkersAsync(CancellationToken cancellationToken = default) =>
        SendAsync<WorkerList>(HttpMethod.Get, "workers", cancellationToken: cancellationToken);

    /// <inheritdoc/>
    public Task<HealthReport> GetHealthAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "health", null, admin: false, async (response, ct) =>
        {
            // 503 is the API's answer for an unhealthy service, with the same report; anything else is a refusal.
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                var body = await response.Content.ReadAsStringAsync(ct);
                return TryRead<HealthReport>(body) is { Status: not null, Checks: not null } report
                    ? report
                    : throw ProblemReader.FromBody(response.StatusCode, "Service Unavailable", body);
            }
            if (!response.IsSuccessStatusCode) throw await ProblemReader.ReadAsync(response, ct);
            return await ReadAsync<HealthReport>(response, ct);
        }, cancellationToken, serviceUnavailableIsAnAnswer: true);

    /// <inheritdoc/>
    public Task<BackupResult> BackupAsync(CancellationToken cancellationToken = default) =>
        SendAsync<BackupResult>(HttpMethod.Post, "admin/backup", admin: true, cancellationToken: cancellationToken);

    /// <inheritdoc/>
    public Task<CleanupResult> CleanupStuckTasksAsync(CancellationToken cancellationToken = default) =>
        SendAsync<CleanupResult>(HttpMethod.Post, "admin/cleanup-stuck-tasks", admin: true, cancellationToken: cancellationToken);

    /// <inheritdoc/>
    public Task<PurgeResult> ClearFinishedAsync(double olderThanHours, CancellationToken cancellationToken = default) =>
        // Not checked here: the API's 400 names the field and the allowed range.
        SendAsync<PurgeResult>(HttpMethod.Delete, "admin/tasks?olderThanHours=" + Uri.EscapeDataString(olderThanHours.ToString("R", CultureInfo.InvariantCulture)),
            admin: true, cancellationToken: cancellationToken);

    private static string TaskPath(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return "tasks/" + Uri.EscapeDataString(id);
    }

    private static void AddField<T>(MultipartFormDataContent form, string name, T? value)
    {
        if (value is null) return;
        var text = value is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : value.ToString()!;
        form.Add(new StringContent(text, Encoding.UTF8), name);
    }

    private Task<SubmittedTask> SubmitAsync(string path, HttpContent body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, body, admin: false, async (response, ct) =>
        {
            if (!response.IsSuccessStatusCode) throw await ProblemReader.ReadAsync(response, ct);
            var submitted = await ReadAsync<SubmittedTask>(response, ct);
            return submitted with { Location = _settings.Absolute(response.Headers.Location) ?? _settings.Http(TaskPath(submitted.Id)) };
        }, cancellationToken);

    private Task<T> SendAsync<T>(HttpMethod method, string path, bool admin = false, CancellationToken cancellationToken = default) =>
        SendAsync(method, path, null, admin, async (response, ct) =>
        {
            if (!response.IsSuccessStatusCode) throw await ProblemReader.ReadAsync(response, ct);
            return await ReadAsync<T>(response, ct);
        }, cancellationToken);

    /// <summary>
    /// Sends one request and reads its answer with <paramref name="read"/>, under <see cref="Create"/>'s timeouts when
    /// this client owns its HttpClient. A timeout or a rejection by the resilience pipeline (its timeouts, an open
    /// circuit) becomes an <see cref="HttpRequestException"/>; only the caller's token gives an <see cref="OperationCanceledException"/>.
    /// </summary>
    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, bool admin,
        Func<HttpResponseMessage, CancellationToken, Task<T>> read, CancellationToken cancellationToken, bool serviceUnavailableIsAnAnswer = false)
    {
        var uri = _settings.Http(path);
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        if (admin && _settings.ApiKey is { } key) request.Headers.Add(ClientSettings.ApiKeyHeader, key);
        if (serviceUnavailableIsAnAnswer) request.Options.Set(QueueClientResilience.ServiceUnavailableIsAnAnswer, true);
        var timeout = _ownsHttp ? (IsSafe(method) ? ReadTimeout : WriteTimeout) : Timeout.InfiniteTimeSpan;
        using var timer = new CancellationTokenSource(timeout, _time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            // The API's answers are small JSON: read whole. (Through AddQueueClient the body is already read inside the
            // resilience pipeline, by ResponseBufferingHandler, so its timeouts cover it.)
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token);
            return await read(response, deadline.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && deadline.IsCancellationRequested)
        {
            throw new HttpRequestException(HttpRequestError.Unknown, $"{method} {uri} got no answer within {timeout.TotalSeconds:0} s.", ex);
        }
        catch (ExecutionRejectedException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HttpRequestException(HttpRequestError.Unknown, $"{method} {uri} failed: {ex.Message}", ex);
        }
    }

    internal static bool IsSafe(HttpMethod method) => method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options;

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return TryRead<T>(body) ?? throw new HttpRequestException(HttpRequestError.InvalidResponse,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode} but not with the queue API's JSON "
            + $"(is the base address the queue service?): {ProblemReader.Excerpt(body) ?? "an empty body"}", statusCode: response.StatusCode);
    }

    private static T? TryRead<T>(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, QueueJson.Options);
        }
        catch (JsonException)
        {
            return default;
        }
    }
}
