using System.Net;
using QueueService.Stores;
using QueueService.Tasks;
using QueueService.Tests.Fixtures;
using QueueService.Tests.Support;

namespace QueueHttpApi.Tests.Monitoring;

public sealed class StatsEndpointTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const string Risk = "risk-detection";
    private const string Transcription = "transcription";
    private static readonly string[] StatusNames = ["queued", "scheduled", "processing", "completed", "failed", "cancelled"];

    [Theory]
    [InlineData(ApiStores.Memory)]
    [InlineData(ApiStores.Redis)]
    public async Task GetStats_CountsEveryStatusPerQueueAndInTotal_WhenTasksAreInEveryStatus(string kind)
    {
        using var api = ApiStores.Create(kind, redis);
        using var client = api.CreateClient();
        var store = api.Store;
        // risk-detection: 1 completed, 1 failed, 1 cancelled, 2 queued; transcription: 1 scheduled, 1 processing.
        await store.EnqueueAsync(new NewTask(Risk, """{"text":"done"}"""));
        await store.EnqueueAsync(new NewTask(Risk, """{"text":"fails"}""") { MaxRetries = 0 });
        var done = (await store.LeaseAsync("w1", [Risk], 2, TimeSpan.FromMinutes(5))).ToArray();
        await store.CompleteAsync(done[0], """{"ok":true}""");
        await store.FailAsync(done[1], new TaskFailure("boom"));
        var cancelled = await store.EnqueueAsync(new NewTask(Risk, """{"text":"cancel me"}"""));
        await store.CancelAsync(cancelled.Id);
        await store.EnqueueAsync(new NewTask(Risk, """{"text":"waiting 1"}"""));
        await store.EnqueueAsync(new NewTask(Risk, """{"text":"waiting 2"}"""));
        await store.EnqueueAsync(new NewTask(Transcription, """{"audioPath":"a.wav"}""") { Delay = TimeSpan.FromHours(1) });
        await store.EnqueueAsync(new NewTask(Transcription, """{"audioPath":"b.wav"}"""));
        await store.LeaseAsync("w2", [Transcription], 1, TimeSpan.FromMinutes(5));

        var response = await client.GetAsync("/stats");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var stats = await response.JsonAsync();
        stats.GetProperty("store").GetString().Should().Be(kind);
        stats.GetProperty("workers").GetInt32().Should().Be(0);
        var risk = stats.GetProperty("queues").GetProperty(Risk);
        Counts(risk).Should().Equal(2, 0, 0, 1, 1, 1);
        risk.GetProperty("averageProcessingSeconds").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Number, "a task of this queue completed");
        risk.GetProperty("oldestQueuedAgeSeconds").GetDouble().Should().BeGreaterThanOrEqualTo(0);
        risk.GetProperty("enqueuedTotal").GetInt64().Should().Be(5);
        risk.GetProperty("completedTotal").GetInt64().Should().Be(1);
        risk.GetProperty("failedTotal").GetInt64().Should().Be(1);
        var transcription = stats.GetProperty("queues").GetProperty(Transcription);
        Counts(transcription).Should().Equal(0, 1, 1, 0, 0, 0);
        transcription.GetProperty("averageProcessingSeconds").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null, "nothing completed there yet");
        transcription.GetProperty("oldestQueuedAgeSeconds").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null, "nothing is queued there");
        var totals = stats.GetProperty("totals");
        Counts(totals).Should().Equal(2, 1, 1, 1, 1, 1);
        totals.GetProperty("enqueuedTotal").GetInt64().Should().Be(7);
    }

    [Theory]
    [InlineData(ApiStores.Memory)]
    [InlineData(ApiStores.Redis)]
    public async Task GetStats_ReportsTheAgeOfTheHeadOfTheQueue_WhenTasksWait(string kind)
    {
        using var api = ApiStores.Create(kind, redis);
        using var client = api.CreateClient();
        var first = await api.Store.EnqueueAsync(new NewTask(Risk, """{"text":"first"}"""));

        // The head's age grows with the store's clock: wait until it has measurably moved on, then queue a
        // younger task behind it, so the head and the tail of the queue differ.
        await Eventually.MatchAsync(async ct => await (await client.GetAsync("/stats", ct)).JsonAsync(),
            s => s.GetProperty("queues").GetProperty(Risk).GetProperty("oldestQueuedAgeSeconds").GetDouble() >= 0.2,
            TimeSpan.FromSeconds(10), "the oldest queued age should grow while the task waits");
        var second = await api.Store.EnqueueAsync(new NewTask(Risk, """{"text":"second"}"""));

        var stats = await (await client.GetAsync("/stats")).JsonAsync();
        var age = stats.GetProperty("queues").GetProperty(Risk).GetProperty("oldestQueuedAgeSeconds").GetDouble();
        var at = stats.GetProperty("at").GetDateTimeOffset();
        age.Should().BeApproximately((at - first.CreatedAt).TotalSeconds, 0.01, "the head is the first task, not the one queued last");
        age.Should().BeGreaterThan((at - second.CreatedAt).TotalSeconds + 0.1, "the younger task at the tail must not be the one measured");
        stats.GetProperty("totals").GetProperty("oldestQueuedAgeSeconds").GetDouble().Should().Be(age);

        // A higher priority jumps the line: it becomes the head, so the age is now that of the newest task.
        var urgent = await api.Store.EnqueueAsync(new NewTask(Risk, """{"text":"urgent"}""") { Priority = 50 });
        stats = await (await client.GetAsync("/stats")).JsonAsync();
        age = stats.GetProperty("queues").GetProperty(Risk).GetProperty("oldestQueuedAgeSeconds").GetDouble();
        at = stats.GetProperty("at").GetDateTimeOffset();
        age.Should().BeApproximately((at - urgent.CreatedAt).TotalSeconds, 0.01, "the head is the next task to run: the urgent one");
    }

    [Theory]
    [InlineData(ApiStores.Memory)]
    [InlineData(ApiStores.Redis)]
    public async Task GetStats_CountsLiveWorkersPerQueue_WhenWorkersAreRegistered(string kind)
    {
        using var api = ApiStores.Create(kind, redis);
        using var client = api.CreateClient();
        await api.Store.EnqueueAsync(new NewTask(Risk, """{"text":"x"}"""));
        await api.Store.EnqueueAsync(new NewTask(Transcription, """{"audioPath":"a.wav"}"""));
        await api.Store.RegisterWorkerAsync(Worker("a", Risk), TimeSpan.FromMinutes(1));
        await api.Store.RegisterWorkerAsync(Worker("b", Risk, Transcription), TimeSpan.FromMinutes(1));

        var stats = await (await client.GetAsync("/stats")).JsonAsync();

        stats.GetProperty("workers").GetInt32().Should().Be(2);
        stats.GetProperty("queues").GetProperty(Risk).GetProperty("workers").GetInt32().Should().Be(2);
        stats.GetProperty("queues").GetProperty(Transcription).GetProperty("workers").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task GetStats_Answers503Problem_WhenTheStoreIsUnreachable()
    {
        using var api = ApiStores.Unreachable();
        using var client = api.CreateClient();

        var problem = await (await client.GetAsync("/stats")).ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);

        problem.GetProperty("title").GetString().Should().Contain("unavailable");
    }

    [Theory]
    [InlineData(ApiStores.Memory)]
    [InlineData(ApiStores.Redis)]
    public async Task GetWorkers_ListsEachLiveWorkerWithItsFields_WhenWorkersAreRegistered(string kind)
    {
        using var api = ApiStores.Create(kind, redis);
        using var client = api.CreateClient();
        var started = DateTimeOffset.UtcNow.AddMinutes(-3);
        await api.Store.RegisterWorkerAsync(new WorkerInfo("w-2", "box-b", 42, [Transcription], 2, ["t-1", "t-2"], started), TimeSpan.FromMinutes(1));
        await api.Store.RegisterWorkerAsync(Worker("w-1", Risk), TimeSpan.FromMinutes(1));

        var response = await client.GetAsync("/workers");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.JsonAsync();
        body.GetProperty("total").GetInt32().Should().Be(2);
        var items = body.GetProperty("items").EnumerateArray().ToArray();
        items.Select(w => w.GetProperty("id").GetString()).Should().Equal("w-1", "w-2");
        var second = items[1];
        second.GetProperty("host").GetString().Should().Be("box-b");
        second.GetProperty("pid").GetInt32().Should().Be(42);
        second.GetProperty("queues").EnumerateArray().Select(q => q.GetString()).Should().Equal(Transcription);
        second.GetProperty("concurrency").GetInt32().Should().Be(2);
        second.GetProperty("currentTasks").EnumerateArray().Select(q => q.GetString()).Should().Equal("t-1", "t-2");
        second.GetProperty("startedAt").GetDateTimeOffset().Should().BeCloseTo(started, TimeSpan.FromMilliseconds(1));
        second.GetProperty("lastSeen").GetDateTimeOffset().Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
    }

    [Theory]
    [InlineData(ApiStores.Memory)]
    [InlineData(ApiStores.Redis)]
    public async Task GetWorkers_DropsAWorker_WhenItUnregisters(string kind)
    {
        using var api = ApiStores.Create(kind, redis);
        using var client = api.CreateClient();
        await api.Store.RegisterWorkerAsync(Worker("gone", Risk), TimeSpan.FromMinutes(1));
        await api.Store.UnregisterWorkerAsync("gone");

        var body = await (await client.GetAsync("/workers")).JsonAsync();

        body.GetProperty("total").GetInt32().Should().Be(0);
        body.GetProperty("items").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task GetWorkers_Answers503Problem_WhenTheStoreIsUnreachable()
    {
        using var api = ApiStores.Unreachable();
        using var client = api.CreateClient();

        await (await client.GetAsync("/workers")).ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
    }

    private static WorkerInfo Worker(string id, params string[] queues) =>
        new(id, "test-host", 1234, queues, 1, [], DateTimeOffset.UtcNow);

    private static long[] Counts(System.Text.Json.JsonElement queue) =>
        StatusNames.Select(name => queue.GetProperty(name).GetInt64()).ToArray();
}
