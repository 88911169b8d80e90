using QueueService.Stores;
using QueueService.Stores.Redis;
using QueueService.Tests.Support;
using QueueService.Tasks;
using QueueWorker.Tests.Process;
using StackExchange.Redis;

namespace SystemTests.Support;

/// <summary>
/// One deployment under test, as <c>docker-compose-separated.yml</c> runs it: its own redis-server
/// (<see cref="RedisServerProcess"/>), real QueueWorker processes, optionally real QueueHttpApi processes
/// (they run the maintenance loops, the lease reaper and the promoter, and the backups; workers do not), and a
/// <see cref="RedisQueueStore"/> in this process to submit and inspect tasks, as a producer would.
/// Disposing stops everything it started, in reverse order, whether or not the test passed.
/// </summary>
internal sealed class QueueSystem : IAsyncDisposable
{
    /// <summary>Lowers only the processing loop to Debug: its per-attempt "Task … started on worker … (attempt n)" line.</summary>
    public const string DebugLoopLogging = "Serilog__MinimumLevel__Override__QueueService.Workers.QueueWorkerService";

    /// <summary>How long a process may take to start on a busy 2-core machine (another test project may be building or running).</summary>
    public static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(30);

    private readonly List<WorkerProcess> _workers = [];
    private readonly List<ApiProcess> _apis = [];
    private ConnectionMultiplexer? _connection;
    private RedisQueueStore? _store;

    private QueueSystem(RedisServerProcess redis) => Redis = redis;

    /// <summary>The redis-server of this deployment; a test may kill and restart it.</summary>
    public RedisServerProcess Redis { get; }

    /// <summary>The producer's and inspector's view of the queue (namespace <c>default</c>, as the workers use).</summary>
    public RedisQueueStore Store => _store ?? throw new InvalidOperationException("not started");

    /// <summary>The workers started so far, in start order.</summary>
    public IReadOnlyList<WorkerProcess> Workers => _workers;

    /// <summary>Starts redis-server and connects the test's store to it.</summary>
    public static async Task<QueueSystem> StartAsync()
    {
        var system = new QueueSystem(await RedisServerProcess.StartAsync());
        try
        {
            var options = ConfigurationOptions.Parse(system.Redis.ConnectionString);
            // The test's client lives through the Redis restarts the tests cause, as a producer's would.
            options.AbortOnConnectFail = false;
            system._connection = await ConnectionMultiplexer.ConnectAsync(options);
            system._store = new RedisQueueStore(system._connection, new RedisStoreOptions(), new QueueStoreOptions());
            return system;
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts a QueueWorker process with <c>--worker-id</c>, <c>--queues</c> and <c>--concurrency</c>, the
    /// per-attempt debug line on, and <paramref name="environment"/> (e.g. <c>Queue__Worker__LeaseDuration</c>);
    /// returns once it logged that its loop started.
    /// </summary>
    public async Task<WorkerProcess> StartWorkerAsync(string workerId, string queues, int concurrency,
        IReadOnlyDictionary<string, string?>? environment = null) =>
        (await StartWorkersAsync([workerId], queues, concurrency, environment))[0];

    /// <summary>Starts one worker per id at once (see <see cref="StartWorkerAsync"/>); returns once all of them run.</summary>
    public async Task<IReadOnlyList<WorkerProcess>> StartWorkersAsync(IReadOnlyList<string> workerIds, string queues, int concurrency,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var env = new Dictionary<string, string?> { ["REDIS_URL"] = Redis.Url, [DebugLoopLogging] = "Debug" };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>()) env[key] = value;
        var started = workerIds.Select(id =>
        {
            var worker = WorkerProcess.Start(env, "--worker-id", id, "--queues", queues,
                "--concurrency", concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture));
            _workers.Add(worker);
            return (id, worker);
        }).ToArray();
        foreach (var (id, worker) in started)
            await worker.WaitForLineAsync(line => line.Contains($"Worker {id} started on queues", StringComparison.Ordinal),
                StartPatience, $"worker {id} should start its processing loop");
        return started.Select(s => s.worker).ToArray();
    }

    /// <summary>
    /// Starts a QueueHttpApi process on this Redis with <paramref name="environment"/> (e.g.
    /// <c>Queue__Maintenance__ReapInterval</c>) and waits until <c>/health</c> answers 200.
    /// </summary>
    public async Task<WorkerProcess> StartApiAsync(IReadOnlyDictionary<string, string?>? environment = null) =>
        (await StartApisAsync([environment ?? new Dictionary<string, string?>()]))[0].Process;

    /// <summary>Starts one API process per environment at once, all on this Redis; returns once every one answers <c>/health</c>.</summary>
    public async Task<IReadOnlyList<ApiProcess>> StartApisAsync(IReadOnlyList<IReadOnlyDictionary<string, string?>> environments)
    {
        var started = environments.Select(environment =>
        {
            var env = new Dictionary<string, string?> { ["REDIS_URL"] = Redis.Url };
            foreach (var (key, value) in environment) env[key] = value;
            var api = ApiProcess.Launch(env);
            _apis.Add(api);
            return api;
        }).ToArray();
        foreach (var api in started) await api.WaitHealthyAsync(StartPatience);
        return started;
    }

    /// <summary>Enqueues <paramref name="tasks"/> in one batch, in list order, and returns their ids in that order.</summary>
    public async Task<IReadOnlyList<string>> EnqueueAsync(IReadOnlyList<NewTask> tasks)
    {
        var results = await Store.EnqueueBatchAsync(tasks);
        results.Should().OnlyContain(r => r.Created && r.Status == QueueTaskStatus.Queued);
        return results.Select(r => r.Id).ToArray();
    }

    /// <summary>
    /// Waits until <paramref name="count"/> tasks are finished (completed, failed or cancelled) and returns the
    /// store's counts; polls <see cref="IQueueStore.GetStatsAsync"/>, so it rides out a Redis outage.
    /// </summary>
    public Task<StatusCounts> WaitForFinishedAsync(int count, TimeSpan within, string because) =>
        Eventually.MatchAsync(async ct => (await Store.GetStatsAsync(ct)).Totals,
            totals => totals.Completed + totals.Failed + totals.Cancelled >= count, within, because);

    /// <summary>Reads every task by id (in order); fails if one is missing.</summary>
    public async Task<IReadOnlyList<QueueTask>> GetAllAsync(IEnumerable<string> ids)
    {
        var tasks = new List<QueueTask>();
        foreach (var id in ids)
            tasks.Add(await Store.GetAsync(id) ?? throw new Xunit.Sdk.XunitException($"task {id} is gone from the store"));
        return tasks;
    }

    /// <summary>
    /// SIGTERMs every worker still running and asserts each exits with code 0 within <paramref name="within"/>.
    /// Afterwards their output is complete: counting its lines is exact.
    /// </summary>
    public async Task StopWorkersAsync(TimeSpan within)
    {
        var running = _workers.Where(w => !w.HasExited).ToArray();
        foreach (var worker in running) worker.Terminate();
        foreach (var worker in running)
            (await worker.WaitForExitAsync(within)).Should().Be(0, "SIGTERM is a graceful stop. Output:\n" + worker.Output);
    }

    /// <summary>The per-attempt start lines of every worker, each worker's in the order it logged them.</summary>
    public IReadOnlyList<TaskStart> Starts() => _workers.SelectMany(w => WorkerLog.Starts(w.Lines)).ToArray();

    /// <summary>Stops workers, then the APIs, then the client, then redis-server; collects every failure.</summary>
    public async ValueTask DisposeAsync()
    {
        var errors = new List<Exception>();
        foreach (var process in _workers.Concat(_apis.Select(api => api.Process)))
        {
            try { await process.DisposeAsync(); }
            catch (Exception ex) { errors.Add(ex); }
        }
        try
        {
            if (_store is not null) await _store.DisposeAsync();
            if (_connection is not null) await _connection.DisposeAsync();
        }
        catch (Exception ex) { errors.Add(ex); }
        await Redis.DisposeAsync();
        if (errors.Count > 0) throw new AggregateException("Stopping the system under test failed", errors);
    }
}
