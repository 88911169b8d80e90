using System.Net;
using QueueHttpApi.Tasks;
using QueueHttpApi.Tests.Monitoring;
using QueueHttpApi.Tests.Support;
using QueueHttpApi.Tests.Tasks;
using QueueService.Hosting;
using QueueService.Stores;
using QueueService.Stores.Redis;
using QueueService.Tasks;
using QueueService.Tests.Support;
using StackExchange.Redis;

namespace QueueHttpApi.Tests.Failover;

/// <summary>The API in Redis mode through an outage: a real redis-server of its own, stopped and started again on its port.</summary>
public sealed class FailoverApiTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly string _folder = Directory.CreateTempSubdirectory("rq-failover-api-").FullName;
    private readonly string _namespace = "failover-api-" + Guid.NewGuid().ToString("N")[..8];
    private LocalRedisServer? _redis;
    private int _port;

    private string RedisDirectory => Path.Combine(_folder, "redis");

    public async Task InitializeAsync()
    {
        _redis = await LocalRedisServer.StartAsync(dataDirectory: RedisDirectory);
        _port = _redis.Port;
    }

    public async Task DisposeAsync()
    {
        if (_redis is not null) await _redis.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { /* best effort */ }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var options = ConfigurationOptions.Parse($"127.0.0.1:{_port}");
        options.AllowAdmin = true;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    private static async Task<string> StoreModeAsync(HttpClient client, CancellationToken ct = default) =>
        (await (await client.GetAsync(new Uri("/stats", UriKind.Relative), ct)).JsonAsync()).GetProperty("store").GetString()!;

    [Fact]
    public async Task Api_AcceptsIntoMemoryWhileRedisIsDownAndDrainsWhenItReturns_WhenFailoverIsOn()
    {
        using var api = ApiFactory.OnRedis($"127.0.0.1:{_port},connectTimeout=300,asyncTimeout=500,syncTimeout=500", _namespace,
            settings: TaskTestSupport.Settings(new Dictionary<string, string?> { ["Queue:Failover:ProbeInterval"] = "00:00:00.100" }));
        using var client = api.CreateClient();
        var older = await client.SubmitRiskAsync("before the outage");
        (await StoreModeAsync(client)).Should().Be("redis");

        await using (var admin = await ConnectAsync()) await admin.GetDatabase().ExecuteAsync("SAVE");
        await _redis!.DisposeAsync();
        _redis = null;

        var during = new List<SubmittedTaskView>();
        for (var i = 0; i < 5; i++) during.Add(await client.SubmitRiskAsync($"during the outage {i}", priority: i));
        (await StoreModeAsync(client)).Should().Be("memory-fallback");
        using (var health = await client.GetAsync(new Uri("/health", UriKind.Relative)))
        {
            health.StatusCode.Should().Be(HttpStatusCode.OK, "Degraded still answers 200");
            var body = await health.JsonAsync();
            body.GetProperty("status").GetString().Should().Be("Degraded", body.ToString());
            body.GetProperty("checks").GetProperty("store").GetProperty("status").GetString().Should().Be("Degraded");
        }
        using (var read = await client.GetAsync(new Uri($"/tasks/{during[0].Id}", UriKind.Relative)))
            read.StatusCode.Should().Be(HttpStatusCode.OK, "a task accepted during the outage is read from memory");
        using (var read = await client.GetAsync(new Uri($"/tasks/{older.Id}", UriKind.Relative)))
        {
            var problem = await ApiStores.ShouldBeProblemAsync(read, HttpStatusCode.ServiceUnavailable);
            problem.GetProperty("detail").GetString().Should().Contain("degraded", "a task only Redis holds is unknown now, not missing");
        }

        _redis = await LocalRedisServer.StartAsync(dataDirectory: RedisDirectory, port: _port);
        await Eventually.MatchAsync(ct => StoreModeAsync(client, ct), mode => mode == "redis", Patience, "the API drains into Redis and runs on it again");

        await using var connection = await ConnectAsync();
        var redis = new RedisQueueStore(connection, new RedisStoreOptions { Namespace = _namespace }, new QueueStoreOptions());
        foreach (var task in during) (await redis.GetAsync(task.Id))!.Status.Should().Be(QueueTaskStatus.Queued);
        var leased = await redis.LeaseAsync("checker", ["risk-detection"], 10, TimeSpan.FromMinutes(1));
        leased.Select(l => l.TaskId).Should().Equal([during[4].Id, during[3].Id, during[2].Id, during[1].Id, older.Id, during[0].Id],
            "higher priority first, then the order of acceptance across the outage; every task once");
        (await client.GetAsync(new Uri($"/tasks/{older.Id}", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
