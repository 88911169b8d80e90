using System.Net;
using System.Text.Json;
using QueueHttpApi.Tests.Support;

namespace QueueHttpApi.Tests.Tasks;

/// <summary>
/// <c>POST /tasks/transcription</c> with a JSON <c>audioPath</c>: only a WAV file that resolves, links
/// followed, inside the input root is accepted; the task gets the resolved path.
/// </summary>
public sealed class InputRootTests(ValidationApi fixture) : IClassFixture<ValidationApi>
{
    private const string Path = "/tasks/transcription";

    private string Root => fixture.Api.InputRoot;
    private string Outside => System.IO.Path.GetDirectoryName(Root)!; // the factory's temp folder, beside the root

    [Fact]
    public async Task SubmitTranscription_IsRefusedNamingAudioPath_WhenThePathClimbsOutOfTheRoot()
    {
        WriteWav(System.IO.Path.Combine(Outside, "outside.wav"));

        await ExpectRefusedAsync(new { audioPath = "../outside.wav" }, "outside the input root");
        await ExpectRefusedAsync(new { audioPath = "calls/../../outside.wav" }, "outside the input root");
    }

    [Fact]
    public async Task SubmitTranscription_IsRefusedNamingAudioPath_WhenAnAbsolutePathIsElsewhere()
    {
        WriteWav(System.IO.Path.Combine(Outside, "elsewhere.wav"));

        await ExpectRefusedAsync(new { audioPath = System.IO.Path.Combine(Outside, "elsewhere.wav") }, "outside the input root");
        await ExpectRefusedAsync(new { audioPath = "/etc/passwd" }, "outside the input root");
        await ExpectRefusedAsync(new { audioPath = Root }, "outside the input root");
    }

    [Fact]
    public async Task SubmitTranscription_IsRefusedNamingAudioPath_WhenALinkInTheRootPointsOut()
    {
        WriteWav(System.IO.Path.Combine(Outside, "secret.wav"));
        File.CreateSymbolicLink(System.IO.Path.Combine(Root, "innocent.wav"), System.IO.Path.Combine(Outside, "secret.wav"));
        Directory.CreateSymbolicLink(System.IO.Path.Combine(Root, "shared"), Outside);

        await ExpectRefusedAsync(new { audioPath = "innocent.wav" }, "outside the input root");
        await ExpectRefusedAsync(new { audioPath = "shared/secret.wav" }, "outside the input root");
    }

    [Fact]
    public async Task SubmitTranscription_IsRefusedNamingAudioPath_WhenDotDotAfterALinkClimbsFromItsTarget()
    {
        // Written out, "jump/../here.wav" is root/here.wav, which exists; but the OS climbs from the
        // link's target, and would open {outside}/far/here.wav.
        var far = Directory.CreateDirectory(System.IO.Path.Combine(Outside, "far", "away")).FullName;
        WriteWav(System.IO.Path.Combine(Root, "here.wav"));
        WriteWav(System.IO.Path.Combine(Outside, "far", "here.wav"));
        Directory.CreateSymbolicLink(System.IO.Path.Combine(Root, "jump"), far);

        await ExpectRefusedAsync(new { audioPath = "jump/../here.wav" }, "outside the input root");
    }

    [Fact]
    public async Task SubmitTranscription_IsRefusedNamingAudioPath_WhenLinksLoop()
    {
        File.CreateSymbolicLink(System.IO.Path.Combine(Root, "loop-a"), System.IO.Path.Combine(Root, "loop-b"));
        File.CreateSymbolicLink(System.IO.Path.Combine(Root, "loop-b"), System.IO.Path.Combine(Root, "loop-a"));

        await ExpectRefusedAsync(new { audioPath = "loop-a" }, "cannot be resolved");
    }

    [Fact]
    public async Task SubmitTranscription_PointsAtTheLinkTarget_WhenALinkInTheRootPointsInside()
    {
        var target = System.IO.Path.Combine(Root, "archive", "take-1.wav");
        WriteWav(target);
        File.CreateSymbolicLink(System.IO.Path.Combine(Root, "latest.wav"), "archive/take-1.wav");

        using var response = await fixture.Client.PostJsonAsync(Path, new { audioPath = "latest.wav" });

        var task = await response.ShouldBeAcceptedAsync();
        var payload = JsonDocument.Parse((await fixture.Api.Store.GetAsync(task.Id))!.PayloadJson).RootElement;
        payload.GetProperty("audioPath").GetString().Should().Be(target, "the worker reads the file that was checked");
    }

    [Fact]
    public async Task SubmitTranscription_IsRefusedNamingAudioPath_WhenTheFileIsMissingADirectoryOrNotAWav()
    {
        Directory.CreateDirectory(System.IO.Path.Combine(Root, "folder.wav"));
        File.WriteAllText(System.IO.Path.Combine(Root, "notes.wav"), "not audio at all");

        await ExpectRefusedAsync(new { audioPath = "missing.wav" }, "does not exist");
        await ExpectRefusedAsync(new { audioPath = "folder.wav" }, "is a directory");
        await ExpectRefusedAsync(new { audioPath = "notes.wav" }, "is not a WAV file");
    }

    [Theory]
    [InlineData("""{"audioPath":""}""", "audioPath")]
    [InlineData("""{"audioPath":"  "}""", "audioPath")]
    [InlineData("""{"audioPath":"a\u0000b.wav"}""", "audioPath")]
    [InlineData("""{"audioPath":7}""", "audioPath")]
    [InlineData("""{}""", "audioPath")]
    [InlineData("""{"audioPath":"x.wav","audio":"x"}""", "audio")]
    [InlineData("""{"audioPath":"x.wav","priority":"urgent"}""", "priority")]
    [InlineData("""{"audioPath":"x.wav","priority":101}""", "priority")]
    [InlineData("""{"audioPath":"x.wav","maxRetries":1000}""", "maxRetries")]
    [InlineData("""{"audioPath":"x.wav","language":"-x"}""", "language")]
    [InlineData("""{"audioPath":"x.wav","then":"transcription"}""", "then")]
    [InlineData("""{"audioPath":"x.wav",""", "body")]
    public async Task SubmitTranscription_IsRefusedNamingTheField_WhenTheJsonBodyIsBad(string json, string field)
    {
        var before = await fixture.TotalAsync();

        using var response = await fixture.Client.PostJsonAsync(Path, json);

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, field);
        (await fixture.TotalAsync()).Should().Be(before);
    }

    [Fact]
    public async Task SubmitTranscription_SaysUploadsOnlyNamingAudioPath_WhenNoInputRootIsConfigured()
    {
        using var api = ApiFactory.Embedded(settings: TaskTestSupport.Settings(new Dictionary<string, string?> { ["Queue:Api:InputRoot"] = "" }));
        using var client = api.CreateClient();
        WriteWav(System.IO.Path.Combine(api.InputRoot, "a.wav"));

        using var response = await client.PostJsonAsync(Path, new { audioPath = System.IO.Path.Combine(api.InputRoot, "a.wav") });

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "audioPath");
        problem.GetProperty("detail").GetString().Should().Contain("upload only");
        (await TaskEndpointsTests.CountAsync(api.Store)).Should().Be(0);
    }

    private async Task ExpectRefusedAsync(object body, string because)
    {
        var before = await fixture.TotalAsync();

        using var response = await fixture.Client.PostJsonAsync(Path, body);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "audioPath");
        problem.GetProperty("detail").GetString().Should().Contain(because);
        (await fixture.TotalAsync()).Should().Be(before, "a refused submission stores nothing");
    }

    private static void WriteWav(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, TaskTestSupport.Wav());
    }
}
