using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using QueueHttpApi.Tests.Support;

namespace QueueHttpApi.Tests.Fuzz;

/// <summary>
/// Runs one seeded fuzz session against an API on Kestrel: each step is a generated request sent with HttpClient
/// (80%), hand-written bytes on a raw socket (18%), or a WebSocket client (2%). Every answer is checked as it comes
/// (<c>ApiFuzzer.Checks.cs</c>), and at the end the store is compared with the model of every 202.
/// </summary>
internal sealed partial class ApiFuzzer : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly ApiFactory _api;
    private readonly Uri _address;
    private readonly IPEndPoint _endpoint;
    private readonly string _host;
    private readonly int _seed;
    private readonly HttpClient _http;
    private readonly Random _random;
    private readonly FuzzModel _model = new();
    private readonly RequestGenerator _requests;
    private readonly RawCaseGenerator _raw;
    private readonly List<string> _failures = [];
    private readonly Dictionary<string, int> _transports = new(StringComparer.Ordinal);
    private readonly SortedDictionary<int, int> _statuses = [];
    private readonly SortedDictionary<string, int> _closedWithoutAnswer = new(StringComparer.Ordinal);

    /// <summary>A session against <paramref name="api"/> (started on Kestrel at <paramref name="address"/>) with <paramref name="seed"/>.</summary>
    public ApiFuzzer(ApiFactory api, Uri address, FuzzTarget target, int seed)
    {
        _api = api;
        _address = address;
        _endpoint = new IPEndPoint(IPAddress.Parse(address.Host), address.Port);
        _host = $"{address.Host}:{address.Port}";
        _seed = seed;
        _random = new Random(seed);
        _requests = new RequestGenerator(_random, _model, target);
        _raw = new RawCaseGenerator(_random, _model, _requests, _host);
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = address, Timeout = Patience,
        };
    }

    /// <summary>Runs <paramref name="steps"/> steps, then the final checks.</summary>
    public async Task<FuzzReport> RunAsync(int steps)
    {
        var clock = Stopwatch.StartNew();
        for (var step = 1; step <= steps; step++)
        {
            var roll = _random.Next(100);
            if (roll < 80) await SendAsync(step, _requests.Next());
            else if (roll < 98) await RawAsync(step, _raw.Next());
            else await SocketAsync(step);
        }
        var fuzzing = clock.Elapsed;
        await FinalChecksAsync();
        return new FuzzReport(_seed, steps, fuzzing, clock.Elapsed, new Dictionary<string, int>(_transports), new Dictionary<int, int>(_statuses),
            _model.Tasks.Count, _model.Purged, new Dictionary<string, int>(_closedWithoutAnswer), [.. _failures], ServerErrors());
    }

    private void Count(string transport) => _transports[transport] = _transports.GetValueOrDefault(transport) + 1;

    private async Task SendAsync(int step, FuzzRequest request)
    {
        // HttpClient sends the target as given (no escaping, no dot-segment removal); what Uri cannot hold goes raw.
        Uri? uri = null;
        try
        {
            uri = new Uri($"http://{_host}{request.Target}", new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        }
        catch (UriFormatException)
        {
        }
        if (uri is null)
        {
            await RawAsync(step, new RawCase { Family = "resend/" + request.Family, Bytes = RawHttp.Compose(request, _host), Sources = [request] });
            return;
        }
        Count("http");
        await CheckAsync(step, "http", request, await HttpAsync(uri, request), request.Describe());
    }

    private async Task<FuzzResponse> HttpAsync(Uri uri, FuzzRequest request)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), uri);
        HttpContent? content = request.Body is null && request.ContentType is null ? null
            : request.Chunked ? new ChunkedContent(request.Body ?? []) : new ByteArrayContent(request.Body ?? []);
        if (content is not null && request.ContentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
        foreach (var (name, value) in request.Headers)
        {
            if (message.Headers.TryAddWithoutValidation(name, value)) continue;
            content ??= new ByteArrayContent([]);
            content.Headers.TryAddWithoutValidation(name, value);
        }
        message.Content = content;
        try
        {
            using var response = await _http.SendAsync(message);
            var body = await response.Content.ReadAsByteArrayAsync();
            return new FuzzResponse((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType?.ToLowerInvariant(), body,
                response.Headers.Location?.OriginalString);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return FuzzResponse.None($"{ex.GetType().Name}: {ex.Message} {ex.InnerException?.Message}");
        }
    }

    private async Task RawAsync(int step, RawCase raw)
    {
        Count("raw");
        if (raw.Kind == RawKind.Abandoned)
        {
            await RawHttp.AbandonAsync(_endpoint, raw.Bytes, reset: _random.Next(2) == 0);
            return;
        }
        var expected = Math.Max(1, raw.Sources.Count);
        var head = raw.Sources.Count == 1 && raw.Sources[0].Method == "HEAD";
        var exchange = await RawHttp.ExchangeAsync(_endpoint, raw.Bytes, raw.HalfClose, expected, head, raw.AfterUpgrade);
        // Fewer answers than requests are right only when the server said it closes (a 431, a refused body it did not read).
        if (raw.Kind == RawKind.WellFormed && exchange.Responses.Count < expected && !exchange.Responses.Any(r => r.Status == 101 || r.ClosesConnection))
        {
            Fail(step, "raw", [$"only {exchange.Responses.Count} of {expected} answers came ({exchange.End})"], raw.Describe(),
                (exchange.Responses.Count > 0 ? exchange.Responses[^1] : null) ?? FuzzResponse.None(exchange.End ?? "nothing"));
        }
        if (exchange.Responses.Count == 0 && exchange.End == "timeout")
        {
            Fail(step, "raw", [$"the server neither answered nor closed the connection within {RawHttp.Patience.TotalSeconds:0} s"], raw.Describe(),
                FuzzResponse.None("timeout"));
            return;
        }
        if (exchange.Responses.Count == 0 && raw.Kind == RawKind.Malformed)
        {
            _closedWithoutAnswer[raw.Family] = _closedWithoutAnswer.GetValueOrDefault(raw.Family) + 1;
            return;
        }
        for (var i = 0; i < exchange.Responses.Count; i++)
        {
            var source = i < raw.Sources.Count ? raw.Sources[i] : Synthetic(raw);
            await CheckAsync(step, "raw", source, exchange.Responses[i], raw.Describe(), allow505: raw.BadVersion);
        }
    }

    // A hand-built request carries no generated one: what a 202 to it would have created, judged from its bytes.
    private static FuzzRequest Synthetic(RawCase raw)
    {
        var text = Encoding.Latin1.GetString(raw.Bytes.AsSpan(0, Math.Min(raw.Bytes.Length, 4096)));
        (string, bool)? creates = text.Contains("/tasks/transcription", StringComparison.Ordinal)
            ? ("transcription", text.Contains("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            : text.Contains("/tasks/risk-detection", StringComparison.Ordinal) ? ("risk-detection", false) : null;
        return new FuzzRequest { Family = raw.Family, Method = "?", Target = "?", Creates = creates };
    }

    private async Task SocketAsync(int step)
    {
        Count("websocket");
        var real = _model.Pick(_random, t => t.Status is not null);
        var (path, expected) = _random.Next(3) switch
        {
            0 => ("ws/events", 101),
            1 when real is not null => ($"ws/tasks/{real.Id}", 101),
            _ => ($"ws/tasks/{Guid.CreateVersion7()}", 404),
        };
        var description = $"websocket: GET /{path} (expected {expected})";
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using var deadline = new CancellationTokenSource(Patience);
        try
        {
            await socket.ConnectAsync(new Uri($"ws://{_host}/{path}"), deadline.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            var status = (int)socket.HttpStatusCode;
            Tally(status);
            if (status != expected) Fail(step, "websocket", [$"the connect failed with {status}: {ex.Message}"], description, FuzzResponse.None(ex.Message));
            return;
        }
        Tally(101);
        if (expected != 101)
        {
            Fail(step, "websocket", ["the upgrade was accepted"], description, new FuzzResponse(101, null, []));
            return;
        }
        try
        {
            if (real is not null && path.StartsWith("ws/tasks/", StringComparison.Ordinal))
            {
                var buffer = new byte[256 * 1024];
                var received = await socket.ReceiveAsync(buffer, deadline.Token);
                using var message = JsonDocument.Parse(buffer.AsMemory(0, received.Count));
                var type = message.RootElement.GetProperty("type").GetString();
                if (type != "snapshot") Fail(step, "websocket", [$"the first message is '{type}', not a snapshot"], description, new FuzzResponse(101, null, buffer[..received.Count]));
            }
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", deadline.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or JsonException or KeyNotFoundException)
        {
            Fail(step, "websocket", [$"the socket failed after the upgrade: {ex.GetType().Name}: {ex.Message}"], description, FuzzResponse.None(ex.Message));
        }
    }

    private void Tally(int status) => _statuses[status] = _statuses.GetValueOrDefault(status) + 1;

    private void Fail(int step, string transport, IEnumerable<string> problems, string request, FuzzResponse response) =>
        _failures.Add($"step {step} [{transport}] {string.Join("; ", problems)}\n  request: {request.TrimEnd()}\n  answer: {response.Describe()}");

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    /// <summary>A body sent chunked: no length is announced, so the server has to count.</summary>
    private sealed class ChunkedContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
