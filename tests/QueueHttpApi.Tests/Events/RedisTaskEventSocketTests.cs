using System.Net.WebSockets;
using QueueHttpApi.Tests.Support;
using QueueService.Stores;
using QueueService.Stores.Redis;
using QueueService.Tasks;
using QueueService.Tests.Fixtures;
using StackExchange.Redis;

namespace QueueHttpApi.Tests.Events;

/// <summary>The WebSocket feeds in the Redis mode, plus what only Redis has: changes made by other processes, and events lost in transit.</summary>
public sealed class RedisTaskEventSocketTests(RedisServerFixture redis) : TaskEventSocketTests, IClassFixture<RedisServerFixture>
{
    private string _namespace = "";

    /// <inheritdoc/>
    protected override ApiFactory CreateApi(IReadOnlyDictionary<string, string?> settings)
    {
        _namespace = RedisServerFixture.UniqueNamespace("events");
        return ApiFactory.OnRedis(redis.ConnectionString, _namespace, settings: settings);
    }

    [Fact]
    public async Task Sockets_ShowTheWorkOfASeparateWorkerProcess()
    {
        var api = StartApi();
        using var all = await ConnectAsync(api, "ws/events");
        // A store on its own connection stands for a QueueWorker process on the same Redis namespace.
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        await using var worker = new RedisQueueStore(connection, new RedisStoreOptions { Namespace = _namespace }, new QueueStoreOptions());
        var id = (await api.Store.EnqueueAsync(new NewTask(Queue, "{}"))).Id;
        using var one = await ConnectAsync(api, $"ws/tasks/{id}");
        await one.NextAsync();

        var lease = (await worker.LeaseAsync("remote-worker", [Queue], 1, TimeSpan.FromSeconds(30))).Single();
        await worker.CompleteAsync(lease, null);

        (await all.NextAsync(3)).Select(m => m.GetProperty("type").GetString()).Should().Equal("queued", "started", "completed");
        var (messages, status, _) = await one.ReadToCloseAsync();
        messages.Select(m => m.GetProperty("workerId").GetString()).Should().Equal("remote-worker", "remote-worker");
        status.Should().Be(WebSocketCloseStatus.NormalClosure);
    }

    [Fact]
    public async Task TaskSocket_SendsAFreshSnapshot_WhenTheTaskChangedWithoutAnEventArriving()
    {
        var api = StartApi(new Dictionary<string, string?> { ["Queue:Events:ResyncInterval"] = "00:00:00.100" });
        var id = (await api.Store.EnqueueAsync(new NewTask(Queue, "{}"))).Id;
        using var watch = await ConnectAsync(api, $"ws/tasks/{id}");
        await watch.NextAsync();

        // A change whose event never reached the API (pub/sub is at most once): written behind the scripts' back.
        var later = (await ReadAsync(api, id)).UpdatedAt.AddSeconds(1).ToUnixTimeMilliseconds();
        await redis.Connection.GetDatabase().HashSetAsync($"rq:{{{_namespace}}}:t:{id}", [new("updatedAt", later), new("priority", 7)]);

        var snapshot = await watch.NextAsync();
        snapshot.GetProperty("type").GetString().Should().Be("snapshot");
        snapshot.GetProperty("task").GetProperty("priority").GetInt32().Should().Be(7);
    }
}
