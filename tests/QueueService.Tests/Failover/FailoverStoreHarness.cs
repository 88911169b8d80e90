using QueueService.Stores;
using QueueService.Stores.Failover;
using QueueService.Stores.Redis;
using QueueService.Tests.Support;
using StackExchange.Redis;

namespace QueueService.Tests.Failover;

/// <summary>
/// A failover store over a redis-server of its own that a test stops and starts again on the same port
/// (with its data, or empty), a client with short timeouts (an outage is noticed in half a second), and
/// a journal in a temp folder. Everything is stopped and deleted on dispose.
/// </summary>
internal sealed class FailoverStoreHarness : IAsyncDisposable
{
    public static readonly TimeSpan Within = RestartableRedisServer.Within;

    private readonly RestartableRedisServer _server;
    private readonly List<FailoverQueueStore> _stores = [];
    private int _restores;

    private FailoverStoreHarness(RestartableRedisServer server) => _server = server;

    public int Port => _server.Port;

    /// <summary>The failover store's connection: short time-outs, so an outage is noticed in half a second.</summary>
    public ConnectionMultiplexer Connection => _server.Connection;

    /// <summary>The test's own connection, with the client's default time-outs: checks must not fail because a shared machine is slow.</summary>
    public ConnectionMultiplexer Checker => _server.Checker;
    public string Namespace { get; } = "failover-" + Guid.NewGuid().ToString("N")[..8];
    public string JournalPath => Path.Combine(_server.Folder, "journal", "journal.rqj");
    public string RedisDirectory => _server.RedisDirectory;

    /// <summary>The first store (see <see cref="OpenStoreAsync"/>).</summary>
    public FailoverQueueStore Store => _stores[0];

    /// <summary>The last store's log.</summary>
    public ListLogger<FailoverQueueStore> Log { get; private set; } = new();

    /// <summary>A plain Redis store on the same namespace, over <see cref="Checker"/>: what Redis holds.</summary>
    public RedisQueueStore Redis => new(Checker, new RedisStoreOptions { Namespace = Namespace }, new QueueStoreOptions());

    /// <summary>How often the restore hook ran.</summary>
    public int Restores => Volatile.Read(ref _restores);

    /// <summary>What the restore hook does (default nothing but count).</summary>
    public Func<CancellationToken, Task> OnRestore { get; set; } = _ => Task.CompletedTask;

    public static async Task<FailoverStoreHarness> StartAsync() =>
        new(await RestartableRedisServer.StartAsync("rq-failover-"));

    /// <summary>The emergency snapshots' folder, beside the journal (used by stores opened with emergency snapshots on).</summary>
    public string EmergencyFolder => Path.Combine(_server.Folder, "journal", "emergency");

    /// <summary>
    /// Opens a failover store on the journal (a second call is a restart of the API over the same journal) and starts it;
    /// with <paramref name="emergency"/> options it writes emergency snapshots to <see cref="EmergencyFolder"/>.
    /// </summary>
    public async Task<FailoverQueueStore> OpenStoreAsync(TimeSpan? probe = null, FailoverOptions? emergency = null)
    {
        Log = new ListLogger<FailoverQueueStore>();
        var options = emergency ?? new FailoverOptions();
        options.ProbeInterval = probe ?? TimeSpan.FromMilliseconds(50);
        var store = new FailoverQueueStore(new RedisQueueStore(Connection, new RedisStoreOptions { Namespace = Namespace }, new QueueStoreOptions()), JournalPath,
            options, new QueueStoreOptions(), TimeProvider.System, Log,
            async ct =>
            {
                Interlocked.Increment(ref _restores);
                await OnRestore(ct);
            },
            emergencySnapshots: emergency is null ? null
                : new QueueService.Snapshots.SnapshotDirectory(EmergencyFolder, Microsoft.Extensions.Logging.Abstractions.NullLogger<QueueService.Snapshots.SnapshotDirectory>.Instance,
                    TimeProvider.System, keep: 2));
        _stores.Add(store);
        await store.PrepareRedisAsync(); // as the host does
        return store;
    }

    /// <summary>Stops Redis; with <paramref name="keepData"/> it saves first, so it comes back with its data.</summary>
    public Task StopRedisAsync(bool keepData = true) => _server.StopAsync(keepData);

    /// <summary>Starts Redis again on the same port and waits until the client is connected.</summary>
    public Task StartRedisAsync() => _server.StartAgainAsync();

    /// <summary>Waits until <paramref name="store"/> has drained and runs on Redis.</summary>
    public static Task WaitForRedisModeAsync(FailoverQueueStore store) =>
        Eventually.TrueAsync(_ => Task.FromResult(store.Kind == FailoverQueueStore.RedisKind), Within, "the store drains and runs on Redis again");

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores) await store.DisposeAsync();
        await _server.DisposeAsync();
    }
}
