using Microsoft.Extensions.DependencyInjection;
using QueueHttpApi.Tests.Support;
using QueueHttpApi.Tests.Tasks;
using QueueService.Hosting;
using QueueService.Snapshots;
using QueueService.Stores;
using QueueService.Stores.Failover;
using QueueService.Stores.Redis;
using QueueService.Tests.Support;
using StackExchange.Redis;

namespace QueueHttpApi.Tests.Failover;

/// <summary>The API restarted on a Redis that lost its data: the redo log, wired by AddQueueFailover, brings back what the snapshot lacks.</summary>
public sealed class RedoRestoreApiTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly string _folder = Directory.CreateTempSubdirectory("rq-redo-api-").FullName;
    private readonly string _namespace = "redo-api-" + Guid.NewGuid().ToString("N")[..8];
    private LocalRedisServer? _redis;

    public async Task InitializeAsync() => _redis = await LocalRedisServer.StartAsync(dataDirectory: Path.Combine(_folder, "redis"));

    public async Task DisposeAsync()
    {
        if (_redis is not null) await _redis.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { /* best effort */ }
    }

    private ApiFactory NewApi() => ApiFactory.OnRedis(_redis!.ConnectionString, _namespace, settings: TaskTestSupport.Settings(new Dictionary<string, string?>
    {
        // Both APIs share the backup folder (and so the redo log under it), as one API restarted would.
        ["Queue:Snapshots:Directory"] = Path.Combine(_folder, "backups"),
    }));

    [Fact]
    public async Task Api_KeepsNoRedoLog_WhenBackupsAreDisabled()
    {
        var backups = Path.Combine(_folder, "backups");
        using var api = ApiFactory.OnRedis(_redis!.ConnectionString, _namespace, settings: TaskTestSupport.Settings(new Dictionary<string, string?>
        {
            ["Queue:Snapshots:Directory"] = backups,
            ["Queue:Snapshots:Enabled"] = "false",
        }));
        using var client = api.CreateAdminClient();

        await client.SubmitRiskAsync("nothing would ever read or compact a redo log of this");

        api.Services.GetRequiredService<IRestoreLog>().Should().BeSameAs(EmptyRestoreLog.Instance);
        Directory.Exists(Path.Combine(backups, "failover", "redo")).Should().BeFalse("no redo log is written without backups");
    }

    [Fact]
    public async Task Api_RestoresTheTasksSubmittedAndStartedSinceTheSnapshot_WhenItRestartsOnARedisThatLostItsData()
    {
        var connection = await ConnectionMultiplexer.ConnectAsync($"{_redis!.ConnectionString},allowAdmin=true");
        await using var owned = connection;
        var worker = new RedisQueueStore(connection, new RedisStoreOptions { Namespace = _namespace }, new QueueStoreOptions());
        var ids = new List<string>();
        string leased;
        using (var api = NewApi())
        {
            using var client = api.CreateAdminClient();
            ids.Add((await client.SubmitRiskAsync("before the snapshot")).Id);
            using (var backup = await client.PostAsync(new Uri("/admin/backup", UriKind.Relative), null)) backup.EnsureSuccessStatusCode();
            for (var i = 0; i < 3; i++) ids.Add((await client.SubmitRiskAsync($"after the snapshot {i}")).Id);

            var restoreLog = api.Services.GetRequiredService<IRestoreLog>();
            restoreLog.Should().NotBeSameAs(EmptyRestoreLog.Instance, "AddQueueFailover registers the failover store's redo log for the backup service");
            // The store subscribes to Redis's events on its own (no WebSocket client here); wait until it listens, then a worker leases.
            await Eventually.TrueAsync(async ct => ((string[])(await connection.GetDatabase().ExecuteAsync("PUBSUB", "CHANNELS", "*"))!)
                .Any(c => c.Contains(_namespace, StringComparison.Ordinal)), Patience, "the API listens to Redis's events");
            leased = (await worker.LeaseAsync("worker-1", ["risk-detection"], 1, TimeSpan.FromMinutes(1))).Single().TaskId;
            await Eventually.TrueAsync(async ct => (await restoreLog.ReadAllAsync(ct)).Any(e => e.Kind == JournalEntryKind.Started),
                Patience, "the start reaches the redo log");
        }

        await connection.GetDatabase().ExecuteAsync("FLUSHALL");

        using var restarted = NewApi();
        using var reader = restarted.CreateClient();
        foreach (var id in ids)
        {
            var task = await reader.GetTaskAsync(id);
            task.Status.Should().Be(id == leased ? "processing" : "queued", $"task {id} is back");
        }
        (await reader.GetTaskAsync(leased)).WorkerId.Should().Be("worker-1", "the started task is back with the worker that runs it");
    }
}
