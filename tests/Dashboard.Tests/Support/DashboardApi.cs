using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using QueueHttpApi.Tests.Support;
using QueueService.Tests.Support;

namespace Dashboard.Tests.Support;

/// <summary>
/// The real API in process on Kestrel over loopback (a real socket, so the browser's fetches and WebSockets
/// reach it as they would a deployed one), embedded mode: the in-memory store and, when asked, embedded
/// workers running the real handlers. Also a plain HttpClient of it, for what a test sets up or checks
/// behind the browser's back.
/// </summary>
public sealed class DashboardApi : IAsyncDisposable
{
    private readonly ApiFactory _factory;
    private readonly string _gate;

    private DashboardApi(ApiFactory factory, string gate)
    {
        _factory = factory;
        _gate = gate;
        BaseAddress = _factory.StartOnKestrel();
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Admin = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
    }

    /// <summary>The admin key the API is configured with.</summary>
    public const string AdminKey = ApiFactory.AdminKey;

    /// <summary>Where the API listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The dashboard's address.</summary>
    public string Dashboard => new Uri(BaseAddress, "dashboard/").ToString();

    /// <summary>A client of the API without the admin key.</summary>
    public HttpClient Http { get; }

    /// <summary>A client of the API with the admin key.</summary>
    public HttpClient Admin { get; }

    /// <summary>The folder the API writes its backups to.</summary>
    public string BackupDirectory => _factory.BackupDirectory;

    /// <summary>
    /// Starts the API with <paramref name="embeddedWorkers"/> workers (0: tasks stay where a test put them). With
    /// <paramref name="transcriptionChunk"/> set, transcriptions run the real handler with the <c>command</c>
    /// engine as a stand-in recogniser that waits until the test calls <see cref="OpenGate"/>, then takes
    /// <paramref name="transcriptionChunk"/> per 1-second chunk (<c>sleep</c>, then a line of text): a test holds
    /// the first task running while it sets up, then watches positions and progress move, whatever the machine's load.
    /// </summary>
    public static DashboardApi Start(int embeddedWorkers = 0, TimeSpan? transcriptionChunk = null)
    {
        var gate = Path.Combine(Path.GetTempPath(), $"dashboard-gate-{Guid.NewGuid():N}");
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["urls"] = "http://127.0.0.1:0",
            // The host is stopped twice on dispose; a shutdown backup could still be writing while the folder goes.
            ["Queue:Snapshots:BackupOnShutdown"] = "false",
        };
        if (transcriptionChunk is { } chunk)
        {
            settings["Queue:Transcription:Engine"] = "command";
            settings["Queue:Transcription:ChunkSeconds"] = "1";
            settings["Queue:Transcription:Command:Executable"] = "/bin/sh";
            settings["Queue:Transcription:Command:Arguments:0"] = "-c";
            settings["Queue:Transcription:Command:Arguments:1"] =
                string.Create(CultureInfo.InvariantCulture,
                    $"while [ ! -e '{gate}' ]; do sleep 0.05; done; sleep {chunk.TotalSeconds:0.###}; echo \"words of $1\"");
            settings["Queue:Transcription:Command:Arguments:2"] = "slow-recogniser"; // $0
            settings["Queue:Transcription:Command:Arguments:3"] = "{input}";         // $1
        }
        return new DashboardApi(ApiFactory.Embedded(embeddedWorkers, settings), gate);
    }

    /// <summary>Lets the stand-in recogniser run (see <see cref="Start"/>); until then every transcription chunk waits.</summary>
    public void OpenGate() => File.WriteAllText(_gate, "go");

    /// <summary>A valid WAV: 16 kHz mono 16-bit PCM, <paramref name="seconds"/> of silence (no sox step).</summary>
    public static byte[] Wav(int seconds)
    {
        const int rate = 16000;
        var dataBytes = rate * 2 * seconds;
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.ASCII, leaveOpen: true))
        {
            writer.Write("RIFF"u8);
            writer.Write(36 + dataBytes);
            writer.Write("WAVE"u8);
            writer.Write("fmt "u8);
            writer.Write(16);
            writer.Write((short)1);      // PCM
            writer.Write((short)1);      // mono
            writer.Write(rate);
            writer.Write(rate * 2);      // byte rate
            writer.Write((short)2);      // block align
            writer.Write((short)16);     // bits per sample
            writer.Write("data"u8);
            writer.Write(dataBytes);
            writer.Write(new byte[dataBytes]);
        }
        return stream.ToArray();
    }

    /// <summary>Submits a transcription of <paramref name="seconds"/> of audio; returns its id.</summary>
    public async Task<string> SubmitTranscriptionAsync(int seconds)
    {
        using var form = new MultipartFormDataContent();
        var audio = new ByteArrayContent(Wav(seconds));
        audio.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        form.Add(audio, "audio", "test.wav");
        using var response = await Http.PostAsync(new Uri("tasks/transcription", UriKind.Relative), form);
        return await IdOfAsync(response);
    }

    /// <summary>Submits a risk detection of <paramref name="text"/>; returns its id.</summary>
    public async Task<string> SubmitRiskDetectionAsync(string text, int priority = 0)
    {
        using var response = await Http.PostAsJsonAsync(new Uri("tasks/risk-detection", UriKind.Relative), new { text, priority });
        return await IdOfAsync(response);
    }

    /// <summary>The task as <c>GET /tasks/{id}</c> returns it.</summary>
    public async Task<JsonElement> GetTaskAsync(string id, CancellationToken cancellationToken = default) =>
        await Http.GetFromJsonAsync<JsonElement>(new Uri($"tasks/{Uri.EscapeDataString(id)}", UriKind.Relative), cancellationToken);

    /// <summary>Waits until the task has <paramref name="status"/>.</summary>
    public Task WaitForStatusAsync(string id, string status, TimeSpan within) =>
        Eventually.TrueAsync(async ct => (await GetTaskAsync(id, ct)).GetProperty("status").GetString() == status,
            within, $"task {id} should become {status}");

    private static async Task<string> IdOfAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().Be(202, because: $"the submission should be accepted (answer: {body})");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("id").GetString()!;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Admin.Dispose();
        OpenGate(); // a recogniser still waiting ends, so the host's stop is not held up by it
        await _factory.DisposeAsync();
        File.Delete(_gate);
    }
}
