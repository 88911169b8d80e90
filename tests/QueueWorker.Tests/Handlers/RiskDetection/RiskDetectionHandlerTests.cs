using System.Text.Json;
using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Tasks;
using QueueService.Workers;
using QueueWorker.Handlers.RiskDetection;

namespace QueueWorker.Tests.Handlers.RiskDetection;

public sealed class RiskDetectionHandlerTests
{
    private static readonly RiskScorer Scorer = new(RiskLexicon.LoadDefault());

    private readonly InMemoryQueueStore _store = new(new QueueStoreOptions(), TimeProvider.System);
    private readonly List<TaskProgress> _progress = [];

    private RiskDetectionHandler Handler => new(Scorer, _store);

    // Through ITaskHandler, exactly as the processing loop calls a handler.
    private Task<string?> RunAsync(string payloadJson) =>
        ((ITaskHandler)Handler).HandleAsync(new TaskContext("task-1", RiskDetectionHandler.QueueName, payloadJson, attempt: 1, maxRetries: 3,
            workerId: "worker-1", (p, _) => { _progress.Add(p); return Task.CompletedTask; }, CancellationToken.None));

    private static JsonElement Parse(string? json) => JsonDocument.Parse(json!).RootElement;

    private async Task<string> CompletedTaskAsync(string type, string? resultJson)
    {
        var enqueued = await _store.EnqueueAsync(new NewTask(type, """{"audio":"a.wav"}"""));
        var lease = (await _store.LeaseAsync("worker-0", [type], 1, TimeSpan.FromSeconds(30))).Should().ContainSingle().Subject;
        await _store.CompleteAsync(lease, resultJson);
        return enqueued.Id;
    }

    [Fact]
    public void Queue_IsRiskDetection()
    {
        Handler.Queue.Should().Be("risk-detection");
    }

    [Fact]
    public async Task HandleAsync_ReturnsScoredResultAndReportsProgress_WhenPayloadHasText()
    {
        var json = await RunAsync("""{"text":"Please wire the money tonight."}""");

        var result = Parse(json);
        result.GetProperty("level").GetString().Should().Be("medium");
        result.GetProperty("riskScore").GetDouble().Should().BeApproximately(0.6, 1e-9);
        var match = result.GetProperty("matches").EnumerateArray().Should().ContainSingle().Subject;
        match.GetProperty("category").GetString().Should().Be("fraud");
        match.GetProperty("phrase").GetString().Should().Be("wire the money");
        match.GetProperty("start").GetInt32().Should().Be(7);
        match.GetProperty("end").GetInt32().Should().Be(21);
        _progress.Select(p => p.Percent).Should().Equal(10, 100);
    }

    [Fact]
    public async Task HandleAsync_ReturnsNone_WhenTextIsNeutral()
    {
        var result = Parse(await RunAsync("""{"text":"The weather is nice; let's meet for lunch."}"""));

        result.GetProperty("level").GetString().Should().Be("none");
        result.GetProperty("matches").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task HandleAsync_ScoresTheTranscript_WhenPayloadNamesACompletedTranscriptionTask()
    {
        var id = await CompletedTaskAsync("transcription", """{"text":"I know where you live.","language":"en"}""");

        var result = Parse(await RunAsync($$"""{"transcriptionTaskId":"{{id}}"}"""));

        result.GetProperty("level").GetString().Should().Be("high");
        result.GetProperty("matches")[0].GetProperty("category").GetString().Should().Be("threats");
    }

    [Theory]
    [InlineData("""{}""", "neither")]
    [InlineData("""{"text":"a","transcriptionTaskId":"b"}""", "both")]
    [InlineData("""{"text":null,"transcriptionTaskId":null}""", "neither")]
    public async Task HandleAsync_ThrowsPermanent_WhenPayloadHasNotExactlyOneSource(string payload, string given)
    {
        var act = () => RunAsync(payload);

        (await act.Should().ThrowAsync<PermanentTaskException>())
            .WithMessage($"*exactly one of \"text\" or \"transcriptionTaskId\" ({given} given)*");
    }

    [Fact]
    public async Task HandleAsync_ThrowsPermanent_WhenPayloadIsNotJsonObject()
    {
        var act = () => RunAsync("""{"text": 42}""");

        await act.Should().ThrowAsync<PermanentTaskException>();
    }

    [Fact]
    public async Task HandleAsync_ThrowsPermanent_WhenTranscriptionTaskIdIsBlank()
    {
        var act = () => RunAsync("""{"transcriptionTaskId":"  "}""");

        (await act.Should().ThrowAsync<PermanentTaskException>()).WithMessage("*\"transcriptionTaskId\" is empty*");
    }

    [Fact]
    public async Task HandleAsync_ThrowsPermanent_WhenTranscriptionTaskDoesNotExist()
    {
        var act = () => RunAsync("""{"transcriptionTaskId":"no-such-task"}""");

        (await act.Should().ThrowAsync<PermanentTaskException>()).WithMessage("Transcription task no-such-task does not exist.");
    }

    [Fact]
    public async Task HandleAsync_ThrowsPermanent_WhenNamedTaskIsNotATranscription()
    {
        var id = await CompletedTaskAsync("embeddings", """{"text":"hello"}""");

        var act = () => RunAsync($$"""{"transcriptionTaskId":"{{id}}"}""");

        (await act.Should().ThrowAsync<PermanentTaskException>()).WithMessage($"Task {id} is a 'embeddings' task, not a 'transcription' task.");
    }

    [Fact]
    public async Task HandleAsync_ThrowsPermanentNamingTheStatus_WhenTranscriptionIsNotCompleted()
    {
        var enqueued = await _store.EnqueueAsync(new NewTask("transcription", """{"audio":"a.wav"}"""));

        var act = () => RunAsync($$"""{"transcriptionTaskId":"{{enqueued.Id}}"}""");

        (await act.Should().ThrowAsync<PermanentTaskException>()).WithMessage($"Transcription task {enqueued.Id} is queued, not completed.");
    }

    [Theory]
    [InlineData(null, "*has no result*")]
    [InlineData("""{"transcript":"hello"}""", "*without a string \"text\" field*")]
    [InlineData("""{"text":42}""", "*without a string \"text\" field*")]
    [InlineData("""["text"]""", "*without a string \"text\" field*")]
    public async Task HandleAsync_ThrowsPermanent_WhenTranscriptionResultHasNoText(string? resultJson, string message)
    {
        var id = await CompletedTaskAsync("transcription", resultJson);

        var act = () => RunAsync($$"""{"transcriptionTaskId":"{{id}}"}""");

        (await act.Should().ThrowAsync<PermanentTaskException>()).WithMessage(message);
    }
}
