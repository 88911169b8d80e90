using QueueService.Hosting;
using QueueService.Snapshots;
using QueueService.Stores;
using QueueService.Stores.Redis;
using QueueService.Tests.Support;
using StackExchange.Redis;

namespace QueueService.Tests.Workers;

/// <summary>
/// A redis-server of a test's own that the test stops and starts again on the same port, with its data or
/// empty (Redis lost it), and two stores on one namespace: <see cref="WorkerStore"/> over a connection with
/// short time-outs (an outage is noticed in half a second, as a worker would) and <see cref="Store"/> over the
/// test's own connection. Everything is stopped and deleted on dispose.
/// </summary>
internal sealed class RestartableRedis : IAsyncDisposable
{
    public static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    private readonly string _folder;
    private readonly ConnectionMultiplexer _workerConnection;
    private readonly ConnectionMultiplexer _checker;
    private LocalRedisServer? _redis;

    private RestartableRedis(string folder, LocalRedisServer redis, ConnectionMultiplexer workerConnection, ConnectionMultiplexer checker)
    {
        _folder = folder;
        _redis = redis;
        Port = redis.Port;
        _workerConnection = workerConnection;
        _checker = checker;
        var options = new RedisStoreOptions { Namespace = "hold-" + Guid.NewGuid().ToString("N")[..8] };
        WorkerStore = new RedisQueueStore(workerConnection, options, WorkerHarness.NoBackoffStoreOptions());
        Store = new RedisQueueStore(checker, options, WorkerHarness.NoBackoffStoreOptions());
    }

    public int Port { get; }

    /// <summary>The store a worker uses: short time-outs.</summary>
    public RedisQueueStore WorkerStore { get; }

    /// <summary>The test's view of the same namespace, with the client's default time-outs.</summary>
    public RedisQueueStore Store { get; }

    private string RedisDirectory => Path.Combine(_folder, "redis");

    public static async Task<RestartableRedis> CreateAsync()
    {
        var folder = Directory.CreateTempSubdirectory("rq-hold-").FullName;
        var redis = await LocalRedisServer.StartAsync(dataDirectory: Path.Combine(folder, "redis"));
        var options = ConfigurationOptions.Parse($"{redis.ConnectionString},connectTimeout=300,asyncTimeout=500,syncTimeout=500");
        options.AbortOnConnectFail = false;
        // Reconnect every 100 ms while Redis is down, so a restart is noticed at once, not after a growing back-off.
        options.ReconnectRetryPolicy = new LinearRetry(100);
        var checkerOptions = ConfigurationOptions.Parse(redis.ConnectionString);
        checkerOptions.AbortOnConnectFail = false;
        checkerOptions.AllowAdmin = true; // SAVE before a stop that keeps the data
        checkerOptions.ReconnectRetryPolicy = new LinearRetry(100);
        return new RestartableRedis(folder, redis, await ConnectionMultiplexer.ConnectAsync(options), await ConnectionMultiplexer.ConnectAsync(checkerOptions));
    }

    /// <summary>Stops Redis; with <paramref name="keepData"/> it saves first and comes back with its data, else it comes back empty.</summary>
    public async Task StopAsync(bool keepData)
    {
        if (keepData) await _checker.GetDatabase().ExecuteAsync("SAVE");
        await _redis!.DisposeAsync();
        _redis = null;
        if (!keepData) File.Delete(Path.Combine(RedisDirectory, "dump.rdb"));
    }

    /// <summary>Starts Redis again on the same port and waits until both connections are back.</summary>
    public async Task StartAgainAsync()
    {
        _redis = await LocalRedisServer.StartAsync(dataDirectory: RedisDirectory, port: Port);
        await Eventually.TrueAsync(async _ =>
        {
            try
            {
                await _workerConnection.GetDatabase().PingAsync();
                await _checker.GetDatabase().PingAsync();
                return true;
            }
            catch (RedisException)
            {
                return false;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }, Within, "the clients reconnect to the restarted Redis");
    }

    /// <summary>A restore after Redis lost its data, as the API's does: the snapshot, its processing tasks under their leases.</summary>
    public Task<ImportResult> RestoreAsync(StoreSnapshot snapshot) =>
        Store.ImportAsync(snapshot, new ImportOptions { HoldLeasesFor = TimeSpan.FromSeconds(30) });

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null) await _redis.DisposeAsync();
        await _workerConnection.DisposeAsync();
        await _checker.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { /* best effort */ }
    }
}
