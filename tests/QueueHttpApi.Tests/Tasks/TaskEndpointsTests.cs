using System.Net;
using System.Text.Json;
using QueueHttpApi.Tests.Support;
using QueueService.Stores;
using QueueService.Tasks;

namespace QueueHttpApi.Tests.Tasks;

/// <summary>
/// The task endpoints' flows through the real API on a real store. The facts live here; each store's
/// subclass supplies the API (embedded in-memory, or Redis under a namespace of its own), so both
/// modes answer alike. No embedded workers: a task stays where the test put it.
/// </summary>
public abstract partial class TaskEndpointsTests
{
    /// <summary>The API under test, with <paramref name="settings"/> on top of the factory's own.</summary>
    protected abstract ApiFactory CreateApi(IReadOnlyDictionary<string, string?>? settings = null);

    [Fact]
    public async Task SubmitRiskDetection_Answers202WithTheQueuedTaskAndLocation_WhenTextIsGiven()
    {
        using var api = CreateApi();
        using var client = api.CreateClient();
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);

        using var response = await client.PostJsonAsync("/tasks/risk-detection", """{"text":"Please wire the money today","priority":7,"maxRetries":1}""");

        var task = await response.ShouldBeAcceptedAsync();
        task.Type.Should().Be("risk-detection");
        task.Status.Should().Be("queued");
        task.Priority.Should().Be(7);
        task.QueuePosition.Should().Be(1);
        task.EstimatedWaitSeconds.Should().BeNull("the queue has no processing-time history yet");
        task.CreatedAt.Should().BeAfter(before).And.BeBefore(DateTimeOffset.UtcNow.AddSeconds(5));
        Guid.Parse(task.Id).Version.Should().Be(7);
        var stored = await api.Store.GetAsync(task.Id);
        stored!.PayloadJson.Should().Be("""{"text":"Please wire the money today"}""");
        stored.MaxRetries.Should().Be(1);
        stored.Priority.Should().Be(7);
    }

    [Fact]
    public async Task SubmitRiskDetection_GivesIncreasingQueuePositions_WhenTasksAreSubmittedInTurn()
    {
        using var api = CreateApi();
        using var client = api.CreateClient();

        var positions = new List<long?>();
        for (var i = 0; i < 3; i++) positions.Add((await client.SubmitRiskAsync($"text {i}")).QueuePosition);
        var urgent = await client.SubmitRiskAsync("urgent", priority: 90);

        positions.Should().Equal(1, 2, 3);
        urgent.QueuePosition.Should().Be(1, "a higher priority runs first");
    }

    [Fact]
    public async Task SubmitRiskDetection_KeepsMetadataBesideTheText_WhenMetadataIsGiven()
    {
        using var api = CreateApi();
        using var client = api.CreateClient();

        using var response = await client.PostJsonAsync("/tasks/risk-detection",
            """{"text":"Grüße aus Köln","metadata":{"meeting":"m-42","owner":"ana"}}""");

        var task = await response.ShouldBeAcceptedAsync();
        var payload = JsonDocument.Parse((await api.Store.GetAsync(task.Id))!.PayloadJson).RootElement;
        payload.GetProperty("text").GetString().Should().Be("Grüße aus Köln");
        payload.GetProperty("metadata").GetProperty("meeting").GetString().Should().Be("m-42");
        payload.GetProperty("metadata").GetProperty("owner").GetString().Should().Be("ana");
    }

    [Fact]
    public async Task SubmitRiskDetection_Accepts_WhenTranscriptionTaskIdNamesACompletedTranscription()
    {
        using var api = CreateApi();
        using var client = api.CreateClient();
        var source = await CompletedTranscriptionAsync(api.Store, "nothing to see here");

        using var response = await client.PostJsonAsync("/tasks/risk-detection", new { transcriptionTaskId = source });

        var task = await response.ShouldBeAcceptedAsync();
        (await api.Store.GetAsync(task.Id))!.PayloadJson.Should().Be($$"""{"transcriptionTaskId":"{{source}}"}""");
    }

    [Fact]
    public async Task SubmitRiskDetection_IsConflictNamingTheField_WhenTheTranscriptionIsNotCompleted()
    {
        using var api = CreateApi();
        using var client = api.CreateClient();
        var source = await api.Store.EnqueueAsync(new NewTask("transcription", """{"audioPath":"/x.wav"}"""));
        var total = await TotalAsync(api.Store);

        using var response = await client.PostJsonAsync("/tasks/risk-detection", new { transcriptionTaskId = source.Id });

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "transcriptionTaskId");
        problem.GetProperty("detail").GetString().Should().Contain("queued");
        (await TotalAsync(api.Store)).Should().Be(total, "a refused submission stores nothing");
    }

    [Theory]
    [InlineData("0198a0a0-0000-7000-8000-000000000000")] // well-formed, but no task has it
    [InlineData("../etc/passwd")]                          // no task could have it
    public async Task SubmitRiskDetection_IsRefusedNamingTheField_WhenTranscriptionTaskIdNamesNoTask(string id)
    {
        using var api = CreateApi();
        using var client = api.CreateClient();

        using var response = await client.PostJsonAsync("/tasks/risk-detection", new { transcriptionTaskId = id });

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "transcriptionTaskId");
        (await TotalAsync(api.Store)).Should().Be(0);
    }

    [Fact]
    public async Task SubmitRiskDetection_IsRefusedNamingTheField_WhenTranscriptionTaskIdNamesARiskTask()
    {
        using var api = CreateApi();
        using var client = api.CreateClient();
        var other = await client.SubmitRiskAsync();

        using var response = await client.PostJsonAsync("/tasks/risk-detection", new { transcriptionTaskId = other.Id });

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "transcriptionTaskId");
        problem.GetProperty("detail").GetString().Should().Contain("not a transcription");
    }

    [Fact]
    public async Task SubmitTranscription_SpoolsTheUploadUnderTheTaskId_WhenAWavIsUploaded()
    {
        using var api = CreateApi();
        using var client = api.CreateClient();
        var audio = TaskTestSupport.Wav(8000);

        using var response = await client.UploadAsync(audio, ("priority", "12"), ("maxRetries", "0"), ("language", "en-us"), ("then", "risk-detection"));

        var task = await response.ShouldBeAcceptedAsync();
        task.Type.Should().Be("transcription");
        task.Priority.Should().Be(12);
        task.QueuePosition.Should().Be(1);
        var spooled = Path.Combine(api.SpoolDirectory, task.Id, "audio.wav");
        File.ReadAllBytes(spooled).Should().Equal(audio);
        api.SpoolFolders().Should().ContainSingle().Which.Should().Be(Path.Combine(api.SpoolDirectory, task.Id));
        var stored = await api.Store.GetAsync(task.Id);
        var payload = JsonDocument.Parse(stored!.PayloadJson).RootElement;
        payload.GetProperty("audioPath").GetString().Should().Be(Path.GetFullPath(spooled));
        payload.GetProperty("language").GetString().Should().Be("en-us");
        payload.GetProperty("then").GetString().Should().Be("risk-detection");
        stored.MaxRetries.Should().Be(0);
    }

    [Fact]
    public async Task SubmitTranscription_GivesIncreasingQueuePositions_WhenUploadsAreSubmittedInTurn()
    {
        using var api = CreateApi();
        using var client = api.CreateClient();

        var positions = new List<long?>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.UploadAsync(TaskTestSupport.Wav());
            positions.Add((await response.ShouldBeAcceptedAsync()).QueuePosition);
        }

        positions.Should().Equal(1, 2, 3);
        api.SpoolFolders().Should().HaveCount(3);
    }

    [Theory]
    [InlineData("calls/monday.wav")]
    [InlineData("./calls/../calls/monday.wav")]
    public async Task SubmitTranscription_PointsAtTheResolvedFile_WhenAudioPathIsInsideTheInputRoot(string relative)
    {
        using var api = CreateApi();
        using var client = api.CreateClient();
        var file = Path.Combine(api.InputRoot, "calls", "monday.wav");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllBytesAsync(file, TaskTestSupport.Wav());

        using var byRelative = await client.PostJsonAsync("/tasks/transcription", new { audioPath = relative, language = "en-us" });
        using var byAbsolute = await client.PostJsonAsync("/tasks/transcription", new { audioPath = file, then = "risk-detection" });

        foreach (var response in new[] { byRelative, byAbsolute })
        {
            var task = await response.ShouldBeAcceptedAsync();
            var payload = JsonDocument.Parse((await api.Store.GetAsync(task.Id))!.PayloadJson).RootElement;
            payload.GetProperty("audioPath").GetString().Should().Be(file);
        }
        api.SpoolFolders().Should().BeEmpty("a file named by path is read where it is, not copied");
    }

    /// <summary>A completed transcription task with <paramref name="text"/> as its transcript, made through the store.</summary>
    protected static async Task<string> CompletedTranscriptionAsync(IQueueStore store, string text)
    {
        var enqueued = await store.EnqueueAsync(new NewTask("transcription", """{"audioPath":"/x.wav"}"""));
        var lease = (await store.LeaseAsync("test-worker", ["transcription"], 1, TimeSpan.FromMinutes(1))).Single();
        lease.TaskId.Should().Be(enqueued.Id);
        await store.CompleteAsync(lease, JsonSerializer.Serialize(new { text }));
        return enqueued.Id;
    }

    /// <summary>How many tasks the store holds in all.</summary>
    protected static Task<long> TotalAsync(IQueueStore store) => CountAsync(store);

    /// <summary>How many tasks <paramref name="store"/> holds in all.</summary>
    internal static async Task<long> CountAsync(IQueueStore store) => (await store.GetStatsAsync()).Totals.Total;
}
