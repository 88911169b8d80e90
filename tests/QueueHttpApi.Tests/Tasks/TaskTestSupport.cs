using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using QueueHttpApi.Tasks;
using QueueHttpApi.Tests.Support;
using QueueWorker.Handlers.Transcription.Audio;

namespace QueueHttpApi.Tests.Tasks;

/// <summary>Requests, test audio and problem checks shared by the task endpoint tests.</summary>
internal static class TaskTestSupport
{
    /// <summary>How the API writes JSON (camelCase), for reading its answers.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// <paramref name="settings"/> with the shutdown backup off. These tests do not need it, and the
    /// in-process host is stopped twice at once on dispose (by the factory and by the entry point's
    /// WaitForShutdownAsync), so a second shutdown backup could still be writing while the factory
    /// deletes its temp folder.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> Settings(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>(), StringComparer.OrdinalIgnoreCase);
        all.TryAdd("Queue:Snapshots:BackupOnShutdown", "false");
        return all;
    }

    /// <summary>A valid WAV file: the canonical 44-byte header (16 kHz mono 16-bit PCM) and <paramref name="silenceBytes"/> of silence.</summary>
    public static byte[] Wav(int silenceBytes = 3200)
    {
        using var stream = new MemoryStream();
        WavHeader.WriteCanonical(stream, silenceBytes);
        stream.Write(new byte[silenceBytes]);
        return stream.ToArray();
    }

    /// <summary>POSTs raw JSON text.</summary>
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, string json) =>
        client.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>POSTs an object as JSON.</summary>
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body) =>
        client.PostAsJsonAsync(new Uri(path, UriKind.Relative), body, Json);

    /// <summary>A transcription form: <paramref name="audio"/> as the <c>audio</c> file part, then the fields.</summary>
    public static MultipartFormDataContent Form(byte[]? audio, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        if (audio is not null)
        {
            var file = new ByteArrayContent(audio);
            file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
            form.Add(file, "audio", "meeting.wav");
        }
        return form;
    }

    /// <summary>POSTs a transcription upload.</summary>
    public static Task<HttpResponseMessage> UploadAsync(this HttpClient client, byte[]? audio, params (string Name, string Value)[] fields) =>
        client.PostAsync(new Uri("/tasks/transcription", UriKind.Relative), Form(audio, fields));

    /// <summary>Submits a risk-detection text and expects 202.</summary>
    public static async Task<SubmittedTaskView> SubmitRiskAsync(this HttpClient client, string text = "an ordinary sentence", int? priority = null)
    {
        using var response = await client.PostJsonAsync("/tasks/risk-detection", new { text, priority });
        return await response.ShouldBeAcceptedAsync();
    }

    /// <summary>Checks a 202 answer and its Location, and returns the submitted task.</summary>
    public static async Task<SubmittedTaskView> ShouldBeAcceptedAsync(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Accepted, body);
        var task = JsonSerializer.Deserialize<SubmittedTaskView>(body, Json)!;
        response.Headers.Location.Should().Be(new Uri($"/tasks/{task.Id}", UriKind.Relative));
        return task;
    }

    /// <summary>GETs a task and expects 200.</summary>
    public static async Task<TaskView> GetTaskAsync(this HttpClient client, string id)
    {
        using var response = await client.GetAsync(new Uri($"/tasks/{id}", UriKind.Relative));
        return await response.ShouldBeOkAsync<TaskView>();
    }

    /// <summary>Checks a 200 answer and reads its body.</summary>
    public static async Task<T> ShouldBeOkAsync<T>(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/json");
        return JsonSerializer.Deserialize<T>(body, Json)!;
    }

    /// <summary>Checks a problem-details answer with <paramref name="status"/> whose <c>errors</c> name <paramref name="field"/>.</summary>
    public static async Task<JsonElement> ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string field)
    {
        var problem = await response.ShouldBeProblemAsync(status);
        problem.TryGetProperty("errors", out var errors).Should().BeTrue("a refused field is named in errors: {0}", problem);
        errors.EnumerateObject().Select(e => e.Name).Should().Contain(field, "the problem should name the field: {0}", problem);
        return problem;
    }

    /// <summary>Checks a problem-details answer with <paramref name="status"/>.</summary>
    public static async Task<JsonElement> ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, body);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", body);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        problem.GetProperty("status").GetInt32().Should().Be((int)status);
        problem.GetProperty("title").GetString().Should().NotBeNullOrWhiteSpace();
        return problem;
    }

    /// <summary>The sub-folders of the spool (one per task with files).</summary>
    public static string[] SpoolFolders(this ApiFactory api) =>
        Directory.Exists(api.SpoolDirectory) ? Directory.GetDirectories(api.SpoolDirectory) : [];
}

/// <summary>A body of unknown length (sent chunked, no Content-Length), so the server must count what it reads.</summary>
internal sealed class UnknownLengthContent : HttpContent
{
    private readonly byte[] _bytes;

    public UnknownLengthContent(byte[] bytes, string contentType)
    {
        _bytes = bytes;
        Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
    }

    /// <summary>The same bytes and content type as <paramref name="inner"/>, without a length.</summary>
    public static async Task<UnknownLengthContent> FromAsync(HttpContent inner) =>
        new(await inner.ReadAsByteArrayAsync(), inner.Headers.ContentType!.ToString());

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
