using System.Net;
using System.Text;
using System.Text.Json;
using QueueHttpApi.Tests.Support;

namespace QueueHttpApi.Tests.Tasks;

/// <summary>
/// The body limits on a real Kestrel server over loopback, where the server's own request-size limit
/// applies (the in-process test server has none): the upload endpoint raises it for uploads, and an
/// oversize body is still a 413 problem, not a reset connection or a 500.
/// </summary>
public sealed class TaskEndpointsOnKestrelTests
{
    private const int KestrelDefaultLimit = 30_000_000;

    [Fact]
    public async Task SubmitTranscription_Accepts_WhenTheUploadIsOverKestrelsDefaultLimitButUnderOurs()
    {
        using var api = Kestrel();
        using var client = ClientOf(api);
        var audio = TaskTestSupport.Wav(KestrelDefaultLimit + 1_000_000);

        using var response = await client.UploadAsync(audio);

        var task = await response.ShouldBeAcceptedAsync();
        new FileInfo(Path.Combine(api.SpoolDirectory, task.Id, "audio.wav")).Length.Should().Be(audio.Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SubmitTranscription_IsTooLargeNamingAudio_WhenTheUploadIsOverTheLimit(bool announced)
    {
        using var api = Kestrel(new Dictionary<string, string?> { ["Queue:Api:MaxUploadBytes"] = "1048576" });
        using var client = ClientOf(api);
        using var form = TaskTestSupport.Form(TaskTestSupport.Wav(3 * 1024 * 1024));
        using var body = announced ? (HttpContent)form : await UnknownLengthContent.FromAsync(form);

        using var response = await client.PostAsync(new Uri("/tasks/transcription", UriKind.Relative), body);

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "audio");
        api.SpoolFolders().Should().BeEmpty();
        (await TaskEndpointsTests.CountAsync(api.Store)).Should().Be(0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SubmitRiskDetection_IsTooLargeNamingTheBody_WhenTheBodyIsOverTheJsonLimit(bool announced)
    {
        using var api = Kestrel(new Dictionary<string, string?> { ["Queue:Api:MaxJsonBytes"] = "4096" });
        using var client = ClientOf(api);
        using var json = new StringContent(JsonSerializer.Serialize(new { text = new string('a', 64 * 1024) }), Encoding.UTF8, "application/json");
        using var body = announced ? (HttpContent)json : await UnknownLengthContent.FromAsync(json);

        using var response = await client.PostAsync(new Uri("/tasks/risk-detection", UriKind.Relative), body);

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "body");
        (await TaskEndpointsTests.CountAsync(api.Store)).Should().Be(0);
    }

    private static ApiFactory Kestrel(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var api = ApiFactory.Embedded(settings: TaskTestSupport.Settings(settings));
        api.StartOnKestrel();
        return api;
    }

    // A plain client of the socket Kestrel listens on (no test-server handler): the server's own limits apply.
    private static HttpClient ClientOf(ApiFactory api) => new() { BaseAddress = api.KestrelAddress };
}
