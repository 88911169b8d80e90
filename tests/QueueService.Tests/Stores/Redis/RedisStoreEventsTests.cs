using System.Text.Json;
using QueueService.Stores;
using QueueService.Stores.Redis;
using QueueService.Tasks;
using QueueService.Tests.Fixtures;
using StackExchange.Redis;
using Xunit.Sdk;

namespace QueueService.Tests.Stores.Redis;

/// <summary>What only the Redis store's events have: a channel shared across processes, its wire format, foreign messages, disposal.</summary>
public sealed class RedisStoreEventsTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SubscribeEvents_SeesTheChangesOfAnotherProcess_WhenItSharesTheNamespace()
    {
        var ns = RedisServerFixture.UniqueNamespace();
        // Another connection stands for another process (a QueueWorker) working on the same namespace.
        await using var otherConnection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        await using var worker = new RedisQueueStore(otherConnection, new RedisStoreOptions { Namespace = ns }, new QueueStoreOptions());
        await using var api = redis.CreateStore(ns);
        await using var events = await api.SubscribeEventsAsync();

        var id = (await worker.EnqueueAsync(new NewTask("shared", "{}"))).Id;
        var lease = (await worker.LeaseAsync("remote-worker", ["shared"], 1, Lease))[0];
        await worker.CompleteAsync(lease, null);

        var seen = new List<TaskEvent>();
        for (var i = 0; i < 3; i++) seen.Add(await NextAsync(events));
        seen.Select(e => (e.Kind, e.TaskId)).Should().Equal((TaskEventKind.Queued, id), (TaskEventKind.Started, id), (TaskEventKind.Completed, id));
        seen[2].WorkerId.Should().Be("remote-worker");
    }

    [Fact]
    public async Task SubscribeEvents_SeesNothingOfAnotherNamespace()
    {
        await using var mine = redis.CreateStore(RedisServerFixture.UniqueNamespace() + "M");
        await using var other = redis.CreateStore(RedisServerFixture.UniqueNamespace() + "O");
        await using var events = await mine.SubscribeEventsAsync();

        await other.EnqueueAsync(new NewTask("shared", "{}"));
        var own = await mine.EnqueueAsync(new NewTask("shared", "{}"));

        (await NextAsync(events)).TaskId.Should().Be(own.Id, "the other namespace's enqueue went to its own channel");
    }

    [Fact]
    public async Task EventMessage_IsOneCompactJsonArrayPerScript()
    {
        var ns = RedisServerFixture.UniqueNamespace();
        await using var store = redis.CreateStore(ns);
        var received = System.Threading.Channels.Channel.CreateUnbounded<string>();
        var raw = await redis.Connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal($"rq:{{{ns}}}:events"));
        raw.OnMessage(m => received.Writer.TryWrite((string)m.Message!));
        try
        {
            await store.EnqueueBatchAsync([new NewTask("compact", "{}") { Id = "c1" }, new NewTask("compact", "{}") { Id = "c2" }]);
            await store.LeaseAsync("w1", ["compact"], 1, Lease);

            using var deadline = new CancellationTokenSource(Patience);
            var batch = await received.Reader.ReadAsync(deadline.Token);
            var started = await received.Reader.ReadAsync(deadline.Token);

            JsonDocument.Parse(batch).RootElement.GetArrayLength().Should().Be(2, "one message carries every event of a script call");
            var fields = JsonDocument.Parse(started).RootElement[0].EnumerateObject().Select(p => p.Name);
            fields.Should().BeEquivalentTo("k", "id", "q", "s", "at", "n", "w", "t");
            started.Length.Should().BeLessThan(130, "a started event is ~110 bytes: {0}", started);
        }
        finally
        {
            await raw.UnsubscribeAsync();
        }
    }

    [Fact]
    public async Task SubscribeEvents_SkipsAndCountsAForeignMessage_AndKeepsGoing()
    {
        var ns = RedisServerFixture.UniqueNamespace();
        await using var store = redis.CreateStore(ns);
        await using var events = await store.SubscribeEventsAsync();

        await redis.Connection.GetSubscriber().PublishAsync(RedisChannel.Literal($"rq:{{{ns}}}:events"), "not json");
        var id = (await store.EnqueueAsync(new NewTask("foreign", "{}"))).Id;

        (await NextAsync(events)).TaskId.Should().Be(id);
        store.UnreadableEventMessages.Should().Be(1);
    }

    [Fact]
    public async Task DisposeAsync_EndsEverySubscription_AndRefusesNewOnes()
    {
        var store = redis.CreateStore(RedisServerFixture.UniqueNamespace());
        var events = await store.SubscribeEventsAsync();

        await store.DisposeAsync();

        using var deadline = new CancellationTokenSource(Patience);
        (await events.Reader.WaitToReadAsync(deadline.Token)).Should().BeFalse("the store's feeds end with it");
        await store.Invoking(s => s.SubscribeEventsAsync()).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Theory]
    [InlineData("[{\"k\":\"started\",\"id\":\"t1\",\"q\":\"a\",\"s\":\"processing\",\"at\":1763900000123,\"n\":2,\"w\":\"w1\",\"t\":17}]", TaskEventKind.Started, 2, "w1", 17L)]
    [InlineData("[{\"k\":\"started\",\"id\":\"t1\",\"q\":\"a\",\"s\":\"processing\",\"at\":1763900000123,\"n\":2,\"w\":\"w1\"}]", TaskEventKind.Started, 2, "w1", null)]
    [InlineData("[{\"k\":\"queued\",\"id\":\"t1\",\"q\":\"a\",\"s\":\"queued\",\"at\":1.763900000123e+12,\"w\":false,\"later\":{\"x\":1}}]", TaskEventKind.Queued, null, null, null)]
    public void Parse_ReadsTheWireFormat_WhenFieldsAreMissingFalseOrUnknown(string json, TaskEventKind kind, int? attempt, string? worker, long? token)
    {
        var parsed = RedisTaskEvents.Parse(System.Text.Encoding.UTF8.GetBytes(json));

        parsed.Should().ContainSingle().Which.Should().BeEquivalentTo(new TaskEvent
        {
            Kind = kind, TaskId = "t1", Queue = "a", Status = kind == TaskEventKind.Started ? QueueTaskStatus.Processing : QueueTaskStatus.Queued,
            At = DateTimeOffset.FromUnixTimeMilliseconds(1763900000123), Attempt = attempt, WorkerId = worker, LeaseToken = token,
        });
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("[1]")]
    [InlineData("[{\"k\":\"exploded\",\"id\":\"t\",\"q\":\"a\",\"s\":\"queued\",\"at\":1}]")]
    [InlineData("[{\"k\":\"queued\",\"q\":\"a\",\"s\":\"queued\",\"at\":1}]")]
    [InlineData("[{\"k\":\"queued\",\"id\":\"t\"")]
    public void Parse_ThrowsFormatException_WhenTheMessageIsNotAnEventArray(string json)
    {
        var act = () => RedisTaskEvents.Parse(System.Text.Encoding.UTF8.GetBytes(json));

        act.Should().Throw<FormatException>();
    }

    private static async Task<TaskEvent> NextAsync(TaskEventSubscription events)
    {
        using var deadline = new CancellationTokenSource(Patience);
        try
        {
            return await events.Reader.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new XunitException($"No task event arrived within {Patience.TotalSeconds:0} s.");
        }
    }
}
