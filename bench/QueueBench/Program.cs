using System.Runtime;
using QueueBench;
using QueueService.Hosting;
using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Stores.Redis;
using StackExchange.Redis;

// QueueBench: throughput, idle latency and cost against queue depth for both stores, or with
// --snapshots backup, restore and enqueue stalls during a backup, or with --http the HTTP API's
// throughput and latency, printed as markdown tables.
// Starts its own redis-server on a loopback port unless --redis host:port is given.
if (args is ["--latency-worker", var latencyRedis, var latencyNamespace])
    return await QueueBench.Peers.LatencyProbe.RunWorkerAsync(latencyRedis, latencyNamespace);
if (args is ["--compare", var resultsJsonl])
    return QueueBench.Peers.PeerComparison.Print(resultsJsonl);
if (args is ["--peer-jsonl"])
{
    // The peers' shape on the runner's redis-server (../shared/peers/run_all.sh, bench/compare.sh).
    await QueueBench.Peers.PeerBench.FromEnvironment().RunAsync();
    return 0;
}
var settings = BenchSettings.Parse(args);
if (settings.Journal)
{
    // The journal bench needs no store and no Redis.
    Console.WriteLine($"# QueueBench — {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}, failover journal");
    JournalBench.Print(await new JournalBench(settings).RunAsync(), settings);
    return 0;
}
Console.WriteLine($"# QueueBench — {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, " +
                  $".NET {Environment.Version}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC ({GCSettings.LatencyMode}), " + (settings.Http
                      ? $"HTTP API, {string.Join("/", settings.HttpConcurrency)} clients" : settings.Snapshots
                      ? $"snapshots of {string.Join(", ", settings.SnapshotSizes.Select(s => s.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))} tasks"
                      : $"N = {settings.N}, latency probes = {settings.LatencySamples}") + (settings.Events ? ", with an event subscriber" : ""));

LocalRedisServer? localRedis = null;
ConnectionMultiplexer? connection = null;
ConnectionMultiplexer? admin = null;
var results = new List<StoreFigures>();
var snapshots = new List<SnapshotFigures>();
var http = new List<HttpFigures>();
try
{
    if (settings.Stores.Contains("memory") && settings.Http) http.AddRange(await new HttpBench("memory", redisConfiguration: null, settings).RunAsync());
    else if (settings.Stores.Contains("memory"))
    {
        var options = new QueueStoreOptions();
        Task<IQueueStore> Create(string name) => EventDrain.WatchAsync(new InMemoryQueueStore(options, TimeProvider.System), settings.Events);
        if (settings.Snapshots) snapshots.Add(await new SnapshotBench("memory", Create, _ => Task.CompletedTask, serverCommandMs: null, settings).RunAsync());
        else results.Add(await new StoreBench("memory", Create, settings).RunAsync());
    }
    if (settings.Stores.Contains("redis"))
    {
        string redisConfiguration;
        if (settings.RedisConfiguration is { } given) redisConfiguration = given;
        else
        {
            localRedis = await LocalRedisServer.StartAsync();
            redisConfiguration = localRedis.ConnectionString;
        }
        connection = await ConnectionMultiplexer.ConnectAsync(redisConfiguration);
        var run = Guid.NewGuid().ToString("N")[..8];
        var multiplexer = connection;
        RedisStoreOptions OptionsOf(string name) => new() { Namespace = $"bench-{run}-{name}" };
        Task<IQueueStore> Create(string name) => EventDrain.WatchAsync(new RedisQueueStore(multiplexer, OptionsOf(name), new QueueStoreOptions(), TimeProvider.System), settings.Events);
        if (settings.Http) http.AddRange(await new HttpBench("redis", redisConfiguration, settings).RunAsync());
        else if (settings.Snapshots)
        {
            // A second connection for INFO (an admin command to the client), so the store's stays as in production.
            admin = await ConnectionMultiplexer.ConnectAsync($"{redisConfiguration},allowAdmin=true");
            var stats = admin;
            snapshots.Add(await new SnapshotBench("redis", Create, name => RedisBenchServer.DropNamespaceAsync(multiplexer, OptionsOf(name)),
                () => RedisBenchServer.ScriptTimeMsAsync(stats), settings).RunAsync());
        }
        else results.Add(await new StoreBench("redis", Create, settings).RunAsync());
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        Console.WriteLine();
        Console.WriteLine(settings.Snapshots || settings.Http
            ? $"Redis {server.Version} at {redisConfiguration}"
            : $"Redis {server.Version} at {redisConfiguration}; reference: {RedisReference.EvalShaOpsPerSecond(redisConfiguration)}");
    }
}
finally
{
    if (connection is not null) await connection.DisposeAsync();
    if (admin is not null) await admin.DisposeAsync();
    if (localRedis is not null) await localRedis.DisposeAsync();
}

if (settings.Http) HttpReport.Print(http, settings);
else if (settings.Snapshots) SnapshotReport.Print(snapshots);
else Report.Print(results, settings);
if (settings.Events) Console.WriteLine($"{Environment.NewLine}Task events read by the subscribers: {EventDrain.Read:N0}");
return 0;
