using QueueService.Snapshots;
using QueueService.Stores;
using QueueService.Stores.Redis;
using QueueService.Tests.Support;

namespace QueueService.Tests.Workers;

/// <summary>
/// A <see cref="RestartableRedisServer"/> with two stores on one namespace: <see cref="WorkerStore"/> over the
/// connection with short time-outs (an outage is noticed in half a second, as a worker would) and
/// <see cref="Store"/> over the test's own connection. Everything is stopped and deleted on dispose.
/// </summary>
internal sealed class RestartableRedis : IAsyncDisposable
{
    public static readonly TimeSpan Within = RestartableRedisServer.Within;

    private readonly RestartableRedisServer _server;

    private RestartableRedis(RestartableRedisServer server)
    {
        _server = server;
        var options = new RedisStoreOptions { Namespace = "hold-" + Guid.NewGuid().ToString("N")[..8] };
        WorkerStore = new RedisQueueStore(server.Connection, options, WorkerHarness.NoBackoffStoreOptions());
        Store = new RedisQueueStore(server.Checker, options, WorkerHarness.NoBackoffStoreOptions());
    }

    public int Port => _server.Port;

    /// <summary>The store a worker uses: short time-outs.</summary>
    public RedisQueueStore WorkerStore { get; }

    /// <summary>The test's view of the same namespace, with the client's default time-outs.</summary>
    public RedisQueueStore Store { get; }

    public static async Task<RestartableRedis> CreateAsync() => new(await RestartableRedisServer.StartAsync("rq-hold-"));

    /// <summary>Stops Redis; with <paramref name="keepData"/> it saves first and comes back with its data, else it comes back empty.</summary>
    public Task StopAsync(bool keepData) => _server.StopAsync(keepData);

    /// <summary>Starts Redis again on the same port and waits until both connections are back.</summary>
    public Task StartAgainAsync() => _server.StartAgainAsync();

    /// <summary>A restore after Redis lost its data, as the API's does: the snapshot, its processing tasks under their leases.</summary>
    public Task<ImportResult> RestoreAsync(StoreSnapshot snapshot) =>
        Store.ImportAsync(snapshot, new ImportOptions { HoldLeasesFor = TimeSpan.FromSeconds(30) });

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
