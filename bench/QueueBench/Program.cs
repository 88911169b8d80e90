using QueueBench;
using QueueService.Hosting;
using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Stores.Redis;
using StackExchange.Redis;

// QueueBench: throughput, idle latency and cost against queue depth for both stores, printed as
// markdown tables. Starts its own redis-server on a loopback port unless --redis host:port is given.
var settings = BenchSettings.Parse(args);
Console.WriteLine($"# QueueBench — {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, " +
                  $".NET {Environment.Version}, N = {settings.N}, latency probes = {settings.LatencySamples}");

LocalRedisServer? localRedis = null;
ConnectionMultiplexer? connection = null;
var results = new List<StoreFigures>();
try
{
    if (settings.Stores.Contains("memory"))
    {
        var options = new QueueStoreOptions();
        results.Add(await new StoreBench("memory", _ => Task.FromResult<IQueueStore>(new InMemoryQueueStore(options, TimeProvider.System)), settings).RunAsync());
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
        results.Add(await new StoreBench("redis", name => Task.FromResult<IQueueStore>(new RedisQueueStore(multiplexer,
            new RedisStoreOptions { Namespace = $"bench-{run}-{name}" }, new QueueStoreOptions(), TimeProvider.System)), settings).RunAsync());
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        Console.WriteLine();
        Console.WriteLine($"Redis {server.Version} at {redisConfiguration}; reference: {RedisReference.EvalShaOpsPerSecond(redisConfiguration)}");
    }
}
finally
{
    if (connection is not null) await connection.DisposeAsync();
    if (localRedis is not null) await localRedis.DisposeAsync();
}

Report.Print(results, settings);
