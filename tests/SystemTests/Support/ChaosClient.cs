using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace SystemTests.Support;

/// <summary>What one submission got.</summary>
/// <param name="Task">What was submitted.</param>
/// <param name="SentAt">When the first try was sent (scenario clock).</param>
/// <param name="AnsweredAt">When the answer (or the failure) came.</param>
/// <param name="StatusCode">The HTTP status of the answer; null when none came (<see cref="Error"/> says why).</param>
/// <param name="TaskId">The id of the accepted task (202 only).</param>
/// <param name="Error">The body of a non-202 answer, or the exception when no answer came.</param>
/// <param name="RefusedConnections">Tries whose connection the API refused (it was down): nothing was sent, so the client tried again.</param>
internal sealed record Submission(ChaosTask Task, TimeSpan SentAt, TimeSpan AnsweredAt, int? StatusCode, string? TaskId, string? Error,
    int RefusedConnections)
{
    /// <summary>True when the API answered 202.</summary>
    public bool IsAccepted => StatusCode == (int)HttpStatusCode.Accepted;

    /// <summary>From the first try to the answer, connection refusals included.</summary>
    public TimeSpan Latency => AnsweredAt - SentAt;
}

/// <summary>
/// The chaos scenario's producer: submits each task once through <c>POST /tasks/transcription</c> (JSON
/// <c>audioPath</c>), paced evenly over a time span by a few concurrent lanes, as independent clients would.
/// </summary>
/// <remarks>
/// It retries only a refused connection (the API process is down: the request never left the client). Any
/// other failure is final and recorded: the request may or may not have been applied, and a blind retry could
/// enqueue the task twice (the API has no idempotency key). Every request goes on a fresh connection
/// (<c>Connection: close</c>), so the HTTP stack never resends a request on its own after a pooled connection dies.
/// </remarks>
internal sealed class ChaosClient : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RetryRefusedFor = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RefusedBackoff = TimeSpan.FromMilliseconds(50);

    private readonly HttpClient _http;
    private readonly Stopwatch _clock;
    private int _accepted;
    private int _answered;

    /// <summary>Creates a client of the API at <paramref name="baseAddress"/> that times everything on <paramref name="clock"/>.</summary>
    public ChaosClient(Uri baseAddress, Stopwatch clock)
    {
        _clock = clock;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            BaseAddress = baseAddress,
            Timeout = RequestTimeout,
        };
    }

    /// <summary>Submissions answered 202 so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Submissions finished so far, whatever their outcome.</summary>
    public int Answered => Volatile.Read(ref _answered);

    /// <summary>
    /// Submits every task once, task <c>i</c> not before <c>i · spread / count</c> after the call, with
    /// <paramref name="lanes"/> requests at most in flight; returns the outcomes in task order.
    /// </summary>
    public async Task<IReadOnlyList<Submission>> RunAsync(IReadOnlyList<ChaosTask> tasks, TimeSpan spread, int lanes, CancellationToken cancellationToken)
    {
        var results = new Submission[tasks.Count];
        var start = _clock.Elapsed;
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, lanes).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < tasks.Count)
            {
                var due = start + spread * i / tasks.Count - _clock.Elapsed;
                if (due > TimeSpan.Zero) await Task.Delay(due, cancellationToken); // pacing, not waiting for a condition
                results[i] = await SubmitAsync(tasks[i], cancellationToken);
                if (results[i].IsAccepted) Interlocked.Increment(ref _accepted);
                Interlocked.Increment(ref _answered);
            }
        }));
        return results;
    }

    private async Task<Submission> SubmitAsync(ChaosTask task, CancellationToken cancellationToken)
    {
        var sentAt = _clock.Elapsed;
        var refused = 0;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/tasks/transcription", UriKind.Relative))
            {
                Content = JsonContent.Create(new { audioPath = task.AudioPath, priority = task.Priority }),
            };
            request.Headers.ConnectionClose = true;
            try
            {
                using var response = await _http.SendAsync(request, cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                var status = (int)response.StatusCode;
                if (response.StatusCode != HttpStatusCode.Accepted)
                    return new Submission(task, sentAt, _clock.Elapsed, status, null, body, refused);
                using var json = JsonDocument.Parse(body);
                return new Submission(task, sentAt, _clock.Elapsed, status, json.RootElement.GetProperty("id").GetString(), null, refused);
            }
            catch (HttpRequestException ex) when (IsRefused(ex) && _clock.Elapsed - sentAt < RetryRefusedFor)
            {
                refused++;
                await Task.Delay(RefusedBackoff, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException
                                           || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return new Submission(task, sentAt, _clock.Elapsed, null, null, $"{ex.GetType().Name}: {Flatten(ex)}", refused);
            }
        }
    }

    private static bool IsRefused(HttpRequestException ex) =>
        ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused };

    private static string Flatten(Exception ex)
    {
        var messages = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException) messages.Add(e.Message);
        return string.Join(" -> ", messages);
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();
}
