using QueueService.Tasks;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QueueService.Stores;
using QueueService.Stores.Redis;
using QueueService.Workers;
using StackExchange.Redis;

namespace QueueBench.Peers;

/// <summary>
/// <c>--peer-jsonl</c>: the peers' metrics (<c>../shared/peers/run_all.sh</c>) for RedisQueue, one JSON object per
/// line on standard output in their shape, on the redis-server at 127.0.0.1:<c>REDIS_PORT</c>; progress goes to
/// standard error. <c>N</c> tasks per enqueue and drain row, <c>LAT_N</c> latency probes, a drain per item of
/// <c>DRAIN_CONC</c>, each <c>concurrency</c> or <c>concurrency:prefetch</c> (default <see cref="DefaultDrains"/>). Each row
/// runs in a namespace of its own, dropped after.
/// </summary>
internal sealed class PeerBench(string redisConfiguration, int n, int latencySamples, IReadOnlyList<(int Concurrency, int Prefetch)> drains)
{
    /// <summary>One handler at a time, without and with prefetch; then more handlers.</summary>
    public const string DefaultDrains = "1,1:128,4:128,16,64";

    public const string Peer = "RedisQueue";
    private const string Queue = "bench";
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromMinutes(3);
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private int _namespaces;

    public static PeerBench FromEnvironment()
    {
        var port = Environment.GetEnvironmentVariable("REDIS_PORT") ?? throw new ArgumentException("--peer-jsonl needs REDIS_PORT");
        int Read(string name, int fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var drains = (Environment.GetEnvironmentVariable("DRAIN_CONC") is { Length: > 0 } c ? c : DefaultDrains)
            .Split(',').Select(item => item.Split(':') is [var cc, var pp]
                ? (int.Parse(cc, CultureInfo.InvariantCulture), int.Parse(pp, CultureInfo.InvariantCulture))
                : (int.Parse(item, CultureInfo.InvariantCulture), 0)).ToArray();
        return new PeerBench($"127.0.0.1:{port}", Read("N", 20_000), Read("LAT_N", 500), drains);
    }

    public static string Version =>
        $"{InformationalVersion(typeof(RedisQueueStore))} (StackExchange.Redis {InformationalVersion(typeof(ConnectionMultiplexer))}, .NET {Environment.Version})";

    private static string InformationalVersion(Type type) =>
        (type.Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .FirstOrDefault() as System.Reflection.AssemblyInformationalVersionAttribute)?.InformationalVersion.Split('+')[0]
        ?? type.Assembly.GetName().Version?.ToString() ?? "?";

    public async Task RunAsync()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(RedisConnection.Options(redisConfiguration));
        Log($"warming up on {redisConfiguration}");
        await WarmUpAsync(connection);

        var single = await WithStoreAsync(connection, store => TimeAsync(() => EnqueueOneByOneAsync(store, n)));
        Emit("enqueue", "EnqueueAsync() sequential, awaited", n, single);

        var batch = await WithStoreAsync(connection, store => TimeAsync(() => EnqueueBatchesAsync(store, n)));
        Emit("enqueue", "EnqueueBatchAsync(1000 per call)", n, batch);

        foreach (var (concurrency, prefetch) in drains)
        {
            var ns = NextNamespace();
            try
            {
                var seconds = await DrainAsync(connection, ns, concurrency, prefetch, n);
                Emit("drain", $"QueueWorkerService concurrency={concurrency}{(prefetch > 0 ? $" prefetch={prefetch}" : "")}, one process, until the store recorded every completion",
                    n, seconds, ("concurrency", concurrency), ("prefetch", prefetch));
            }
            finally
            {
                await RedisBenchServer.DropNamespaceAsync(connection, new RedisStoreOptions { Namespace = ns });
            }
        }

        var latencyNamespace = NextNamespace();
        try
        {
            var (p50, p99, max, count) = await new LatencyProbe(redisConfiguration, latencyNamespace, latencySamples).RunAsync(connection);
            var line = Line("latency", "EnqueueAsync() -> handler start, QueueWorker runtime concurrency=1, separate process", count);
            line["p50_ms"] = p50;
            line["p99_ms"] = p99;
            line["max_ms"] = max;
            Console.WriteLine(line.ToJsonString());
        }
        finally
        {
            await RedisBenchServer.DropNamespaceAsync(connection, new RedisStoreOptions { Namespace = latencyNamespace });
        }
    }

    // Tiered JIT: the first thousands of calls run unoptimised code. Node and Ruby peers warm up within their own
    // 20,000-job rows; an untimed pass of every row gives .NET the same footing. A drain also needs the thread pool
    // grown and the JIT's second tier reached across the runtime: with a 3,000-task pass the first timed drain row
    // still ran 15–20 % slower than the same row repeated after it, so each drain row is warmed with a full row.
    private async Task WarmUpAsync(ConnectionMultiplexer connection)
    {
        var warm = Math.Min(n, 3_000);
        await WithStoreAsync(connection, store => EnqueueOneByOneAsync(store, warm));
        await WithStoreAsync(connection, store => EnqueueBatchesAsync(store, warm));
        var ns = NextNamespace();
        try
        {
            foreach (var (concurrency, prefetch) in drains.Distinct())
                await DrainAsync(connection, ns, concurrency, prefetch, n);
        }
        finally
        {
            await RedisBenchServer.DropNamespaceAsync(connection, new RedisStoreOptions { Namespace = ns });
        }
    }

    private async Task<T> WithStoreAsync<T>(ConnectionMultiplexer connection, Func<RedisQueueStore, Task<T>> work)
    {
        var options = new RedisStoreOptions { Namespace = NextNamespace() };
        await using var store = new RedisQueueStore(connection, options, new QueueStoreOptions());
        try
        {
            return await work(store);
        }
        finally
        {
            await RedisBenchServer.DropNamespaceAsync(connection, options);
        }
    }

    private Task<bool> WithStoreAsync(ConnectionMultiplexer connection, Func<RedisQueueStore, Task> work) =>
        WithStoreAsync(connection, async store => { await work(store); return true; });

    private string NextNamespace() => $"peer-{_run}-{Interlocked.Increment(ref _namespaces)}";

    private static async Task EnqueueOneByOneAsync(RedisQueueStore store, int count)
    {
        for (var i = 0; i < count; i++) await store.EnqueueAsync(new NewTask(Queue, "{}"));
    }

    internal static async Task EnqueueBatchesAsync(RedisQueueStore store, int count, string queue = Queue)
    {
        for (var done = 0; done < count; done += 1000)
        {
            var batch = new NewTask[Math.Min(1000, count - done)];
            for (var i = 0; i < batch.Length; i++) batch[i] = new NewTask(queue, "{}");
            await store.EnqueueBatchAsync(batch);
        }
    }

    /// <summary>
    /// Drains <paramref name="count"/> queued no-op tasks through one worker host at <paramref name="concurrency"/>: from
    /// the first handler start until the worker has recorded the last completion in the store (the peers stop their
    /// clock at the last handler's end; counting the recording too is the stricter measure).
    /// </summary>
    private async Task<double> DrainAsync(ConnectionMultiplexer connection, string ns, int concurrency, int prefetch, int count)
    {
        var options = new RedisStoreOptions { Namespace = ns };
        await using (var store = new RedisQueueStore(connection, options, new QueueStoreOptions()))
            await EnqueueBatchesAsync(store, count);

        var handler = new CountingHandler(Queue);
        using var host = BenchWorkerHost.Build(redisConfiguration, ns, $"bench-drain-{concurrency}-{prefetch}", concurrency, handler,
            new Dictionary<string, string?> { ["Queue:Worker:Prefetch"] = prefetch.ToString(CultureInfo.InvariantCulture) });
        await host.StartAsync();
        var state = host.Services.GetRequiredService<WorkerState>();
        var deadline = TimeProvider.System.GetTimestamp();
        long end;
        while (true)
        {
            if (state.Completed >= count)
            {
                end = TimeProvider.System.GetTimestamp();
                break;
            }
            if (TimeProvider.System.GetElapsedTime(deadline) > DrainTimeout)
                throw new TimeoutException($"drain at concurrency {concurrency}: {state.Completed} of {count} completed after {DrainTimeout}");
            await Task.Delay(1);
        }
        await host.StopAsync();
        if (state.Processed != state.Completed)
            throw new InvalidOperationException($"drain at concurrency {concurrency}: {state.Processed - state.Completed} attempts did not complete");
        return TimeProvider.System.GetElapsedTime(handler.FirstStart, end).TotalSeconds;
    }

    private static async Task<double> TimeAsync(Func<Task> work)
    {
        var start = TimeProvider.System.GetTimestamp();
        await work();
        return TimeProvider.System.GetElapsedTime(start).TotalSeconds;
    }

    private static JsonObject Line(string metric, string variant, int count) => new()
    {
        ["peer"] = Peer,
        ["version"] = Version,
        ["metric"] = metric,
        ["variant"] = variant,
        ["n"] = count,
    };

    private static void Emit(string metric, string variant, int count, double seconds, params (string Name, int Value)[] extra)
    {
        var line = Line(metric, variant, count);
        foreach (var (name, value) in extra) line[name] = value;
        line["seconds"] = seconds;
        line["rate"] = count / seconds;
        Console.WriteLine(line.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        Log($"{metric} {variant}: {count / seconds:N0}/s");
    }

    internal static void Log(string message) => Console.Error.WriteLine($"[redisqueue] {message}");

    /// <summary>A no-op handler that notes when the first task started.</summary>
    private sealed class CountingHandler(string queue) : ITaskHandler
    {
        private long _firstStart;

        public string Queue => queue;

        public long FirstStart => Interlocked.Read(ref _firstStart);

        public Task<string?> HandleAsync(TaskContext context)
        {
            if (Interlocked.Read(ref _firstStart) == 0) Interlocked.CompareExchange(ref _firstStart, TimeProvider.System.GetTimestamp(), 0);
            return Task.FromResult<string?>(null);
        }
    }
}
