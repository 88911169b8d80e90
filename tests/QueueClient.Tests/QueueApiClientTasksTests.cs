using System.Net;
using QueueClient.Tests.Support;
using QueueHttpApi.Tests.Support;

namespace QueueClient.Tests;

/// <summary>Submitting, reading, listing, cancelling and retrying tasks through the client, against the real API on Kestrel.</summary>
public sealed class QueueApiClientTasksTests : IDisposable
{
    private readonly ApiFactory _api = ClientTestSupport.StartEmbedded();
    private readonly QueueApiClient _client;

    public QueueApiClientTasksTests() => _client = ClientTestSupport.ClientOf(_api);

    public void Dispose()
    {
        _client.Dispose();
        _api.Dispose();
    }

    [Fact]
    public async Task SubmitTranscription_IsQueuedWithItsFieldsAndAbsoluteLocation_WhenAStreamIsUploaded()
    {
        using var audio = new MemoryStream(ClientTestSupport.Wav());

        var submitted = await _client.SubmitTranscriptionAsync(audio, "meeting.wav",
            new TranscriptionOptions { Priority = 7, MaxRetries = 1, Language = "en-us", Then = "risk-detection" });

        submitted.Type.Should().Be("transcription");
        submitted.Status.Should().Be(QueueTaskStatus.Queued);
        submitted.Priority.Should().Be(7);
        submitted.QueuePosition.Should().Be(1);
        submitted.Location.Should().Be(new Uri(ClientTestSupport.AddressOf(_api), $"/tasks/{submitted.Id}"));
        var task = await _client.GetTaskAsync(submitted.Id);
        task.MaxRetries.Should().Be(1);
        task.Payload!.Value.GetProperty("language").GetString().Should().Be("en-us");
        task.Payload!.Value.GetProperty("then").GetString().Should().Be("risk-detection");
        File.ReadAllBytes(Path.Combine(_api.SpoolDirectory, submitted.Id, "audio.wav")).Should().Equal(ClientTestSupport.Wav());
    }

    [Fact]
    public async Task SubmitTranscription_UploadsTheFile_WhenGivenALocalPath()
    {
        var path = Path.Combine(_api.InputRoot, "local.wav");
        await File.WriteAllBytesAsync(path, ClientTestSupport.Wav(8000));

        var submitted = await _client.SubmitTranscriptionAsync(path);

        new FileInfo(Path.Combine(_api.SpoolDirectory, submitted.Id, "audio.wav")).Length.Should().Be(new FileInfo(path).Length);
    }

    [Fact]
    public async Task SubmitTranscription_ThrowsFileNotFoundBeforeAnyRequest_WhenTheLocalFileIsMissing()
    {
        await using var gateway = await LoopbackServer.StartProxyAsync(ClientTestSupport.AddressOf(_api));
        using var client = ClientTestSupport.ClientOf(gateway.Address);

        var act = () => client.SubmitTranscriptionAsync(Path.Combine(_api.InputRoot, "nowhere.wav"));

        (await act.Should().ThrowAsync<FileNotFoundException>()).Which.FileName.Should().EndWith("nowhere.wav");
        gateway.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task SubmitTranscription_IsRefusedNamingAudio_WhenTheFileIsNotWav()
    {
        using var audio = new MemoryStream("plain text, no RIFF header"u8.ToArray());

        var act = () => _client.SubmitTranscriptionAsync(audio, "notes.txt");

        var refusal = (await act.Should().ThrowAsync<QueueApiException>()).Which;
        refusal.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        refusal.Errors.Should().ContainKey("audio");
        refusal.Detail.Should().Contain("not a WAV file");
    }

    [Fact]
    public async Task SubmitTranscription_IsRefusedNamingPriority_WhenThePriorityIsOutOfRange()
    {
        using var audio = new MemoryStream(ClientTestSupport.Wav());

        var act = () => _client.SubmitTranscriptionAsync(audio, "meeting.wav", new TranscriptionOptions { Priority = 101 });

        var refusal = (await act.Should().ThrowAsync<QueueApiException>()).Which;
        refusal.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        refusal.Errors.Should().ContainKey("priority");
        refusal.Title.Should().Be("The request is invalid");
    }

    [Fact]
    public async Task SubmitTranscription_IsTooLargeNamingAudio_WhenTheUploadIsOverTheLimit()
    {
        using var api = ClientTestSupport.StartEmbedded(settings: new Dictionary<string, string?> { ["Queue:Api:MaxUploadBytes"] = "65536" });
        using var client = ClientTestSupport.ClientOf(api);
        using var audio = new MemoryStream(ClientTestSupport.Wav(256 * 1024));

        var act = () => client.SubmitTranscriptionAsync(audio, "long.wav");

        var refusal = (await act.Should().ThrowAsync<QueueApiException>()).Which;
        refusal.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        refusal.Errors.Should().ContainKey("audio");
        (await client.ListTasksAsync()).Total.Should().Be(0);
    }

    [Fact]
    public async Task SubmitTranscriptionFromServerPath_IsQueued_WhenTheFileIsInTheInputRoot()
    {
        await File.WriteAllBytesAsync(Path.Combine(_api.InputRoot, "on-server.wav"), ClientTestSupport.Wav());

        var submitted = await _client.SubmitTranscriptionFromServerPathAsync("on-server.wav", new TranscriptionOptions { Priority = 3 });

        submitted.Priority.Should().Be(3);
        var task = await _client.GetTaskAsync(submitted.Id);
        task.Payload!.Value.GetProperty("audioPath").GetString().Should().Be(Path.Combine(_api.InputRoot, "on-server.wav"));
    }

    [Fact]
    public async Task SubmitTranscriptionFromServerPath_IsRefusedNamingAudioPath_WhenThePathLeavesTheInputRoot()
    {
        var act = () => _client.SubmitTranscriptionFromServerPathAsync("../../etc/passwd");

        var refusal = (await act.Should().ThrowAsync<QueueApiException>()).Which;
        refusal.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        refusal.Errors.Should().ContainKey("audioPath");
    }

    [Fact]
    public async Task SubmitRiskDetection_IsQueuedWithItsMetadata_WhenGivenText()
    {
        var submitted = await _client.SubmitRiskDetectionAsync(new RiskDetectionRequest
        {
            Text = "we will wire the money tonight", Priority = 50, MaxRetries = 0,
            Metadata = new Dictionary<string, string> { ["caller"] = "tests" },
        });

        submitted.Type.Should().Be("risk-detection");
        submitted.Priority.Should().Be(50);
        var task = await _client.GetTaskAsync(submitted.Id);
        task.Status.Should().Be(QueueTaskStatus.Queued);
        task.MaxRetries.Should().Be(0);
        task.Payload!.Value.GetProperty("metadata").GetProperty("caller").GetString().Should().Be("tests");
    }

    [Theory]
    [InlineData("both")]
    [InlineData("empty")]
    [InlineData("neither")]
    public async Task SubmitRiskDetection_IsRefusedNamingTheFields_WhenTextAndTranscriptionAreNotExactlyOne(string form)
    {
        var request = form switch
        {
            "both" => new RiskDetectionRequest { Text = "hello", TranscriptionTaskId = "0193f0c2-6a4e-7b51-9d1e-4c8f5e2a9b10" },
            "empty" => new RiskDetectionRequest { Text = "   " },
            _ => new RiskDetectionRequest(),
        };

        var act = () => _client.SubmitRiskDetectionAsync(request);

        var refusal = (await act.Should().ThrowAsync<QueueApiException>()).Which;
        refusal.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        refusal.Errors.Should().ContainKey("text");
        if (form != "empty") refusal.Errors.Should().ContainKey("transcriptionTaskId");
        refusal.Message.Should().StartWith("400 The request is invalid: ");
        (await _client.ListTasksAsync()).Total.Should().Be(0);
    }

    [Fact]
    public async Task SubmitRiskDetection_IsRefusedNamingPriority_WhenThePriorityIsNegative()
    {
        var act = () => _client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "hello", Priority = -1 });

        (await act.Should().ThrowAsync<QueueApiException>()).Which.Errors.Should().ContainKey("priority");
    }

    [Fact]
    public async Task GetTask_IsNotFound_WhenNoTaskHasTheId()
    {
        var act = () => _client.GetTaskAsync("0193f0c2-6a4e-7b51-9d1e-4c8f5e2a9b10");

        var refusal = (await act.Should().ThrowAsync<QueueApiException>()).Which;
        refusal.StatusCode.Should().Be(HttpStatusCode.NotFound);
        refusal.Title.Should().Be("Task not found");
        refusal.Detail.Should().Contain("0193f0c2-6a4e-7b51-9d1e-4c8f5e2a9b10");
    }

    [Fact]
    public async Task ListTasks_FiltersAndPages_WhenGivenAQuery()
    {
        var first = await SubmitRiskAsync("one");
        var second = await SubmitRiskAsync("two");
        await SubmitRiskAsync("three");
        await _client.CancelAsync(second.Id);

        var queued = await _client.ListTasksAsync(new TaskListQuery { Status = QueueTaskStatus.Queued, Type = "risk-detection", Limit = 1, Offset = 0 });
        var cancelled = await _client.ListTasksAsync(new TaskListQuery { Status = QueueTaskStatus.Cancelled });
        var all = await _client.ListTasksAsync();

        queued.Total.Should().Be(2);
        queued.Limit.Should().Be(1);
        queued.Items.Should().ContainSingle().Which.Id.Should().Be(first.Id);
        cancelled.Items.Select(t => t.Id).Should().Equal(second.Id);
        all.Total.Should().Be(3);
    }

    [Fact]
    public async Task ListTasks_IsRefusedNamingLimit_WhenTheLimitIsOutOfRange()
    {
        var act = () => _client.ListTasksAsync(new TaskListQuery { Limit = 0 });

        var refusal = (await act.Should().ThrowAsync<QueueApiException>()).Which;
        refusal.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        refusal.Errors.Should().ContainKey("limit");
    }

    [Fact]
    public async Task Cancel_ReturnsTheCancelledTask_WhenItWasQueued()
    {
        var submitted = await SubmitRiskAsync();

        var task = await _client.CancelAsync(submitted.Id);

        task.Status.Should().Be(QueueTaskStatus.Cancelled);
        task.Status.IsFinished().Should().BeTrue();
    }

    [Fact]
    public async Task Cancel_IsAConflict_WhenTheTaskIsAlreadyFinished()
    {
        var submitted = await SubmitRiskAsync();
        await _client.CancelAsync(submitted.Id);

        var act = () => _client.CancelAsync(submitted.Id);

        var refusal = (await act.Should().ThrowAsync<QueueApiException>()).Which;
        refusal.StatusCode.Should().Be(HttpStatusCode.Conflict);
        refusal.Title.Should().Be("Not allowed in the task's current status");
        (await _client.GetTaskAsync(submitted.Id)).Status.Should().Be(QueueTaskStatus.Cancelled);
    }

    [Fact]
    public async Task Cancel_IsNotFound_WhenNoTaskHasTheId()
    {
        var act = () => _client.CancelAsync("0193f0c2-6a4e-7b51-9d1e-4c8f5e2a9b10");

        (await act.Should().ThrowAsync<QueueApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Retry_QueuesTheTaskAgain_WhenItWasCancelled()
    {
        var submitted = await SubmitRiskAsync();
        await _client.CancelAsync(submitted.Id);

        var task = await _client.RetryAsync(submitted.Id);

        task.Status.Should().Be(QueueTaskStatus.Queued);
        task.QueuePosition.Should().Be(1);
    }

    [Fact]
    public async Task Retry_IsAConflict_WhenTheTaskIsStillQueued()
    {
        var submitted = await SubmitRiskAsync();

        var act = () => _client.RetryAsync(submitted.Id);

        (await act.Should().ThrowAsync<QueueApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await _client.GetTaskAsync(submitted.Id)).Status.Should().Be(QueueTaskStatus.Queued);
    }

    [Fact]
    public async Task Retry_IsNotFound_WhenNoTaskHasTheId()
    {
        var act = () => _client.RetryAsync("0193f0c2-6a4e-7b51-9d1e-4c8f5e2a9b10");

        (await act.Should().ThrowAsync<QueueApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    private Task<SubmittedTask> SubmitRiskAsync(string text = "an ordinary sentence") =>
        _client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = text });
}
