namespace QueueCtl.Orchestration;

/// <summary>What <c>queuectl start</c> was asked for, parsed and validated.</summary>
/// <param name="Workers">Worker processes to run (0: the API only).</param>
/// <param name="Monitor">Show the watch view; children's output goes to log files.</param>
/// <param name="Port">The API's loopback port.</param>
/// <param name="Redis">The Redis to reuse if it answers.</param>
/// <param name="DataDirectory">Absolute: Redis data, backups, spool and logs live under it.</param>
/// <param name="ApiAssembly">The <c>--api</c> option, if given.</param>
/// <param name="WorkerAssembly">The <c>--worker</c> option, if given.</param>
/// <param name="AdminApiKey">The API's admin key (<c>QUEUE_ADMIN_API_KEY</c>), if any.</param>
/// <param name="Concurrency">Tasks each worker runs at once, if given.</param>
/// <param name="Queues">The queues each worker serves (comma-separated), if given.</param>
/// <param name="WorkerPrefix">Worker ids are <c>&lt;prefix&gt;-&lt;i&gt;</c>.</param>
internal sealed record StartSettings(
    int Workers,
    bool Monitor,
    int Port,
    RedisAddress Redis,
    string DataDirectory,
    string? ApiAssembly,
    string? WorkerAssembly,
    string? AdminApiKey,
    int? Concurrency,
    string? Queues,
    string WorkerPrefix)
{
    /// <summary>The API's base address.</summary>
    public Uri ApiUrl => new($"http://127.0.0.1:{Port}/");

    /// <summary>redis-server's data (<c>--dir</c>: the AOF and RDB files).</summary>
    public string RedisDirectory => Path.Combine(DataDirectory, "redis");

    /// <summary>The API's snapshots (<c>BACKUP_DIR</c>).</summary>
    public string BackupDirectory => Path.Combine(DataDirectory, "backups");

    /// <summary>Tasks' input files, shared by the API and the workers (<c>SPOOL_DIR</c>).</summary>
    public string SpoolDirectory => Path.Combine(DataDirectory, "spool");

    /// <summary>The hosts' own log files and, with <c>--monitor</c>, every child's output.</summary>
    public string LogDirectory => Path.Combine(DataDirectory, "logs");
}

/// <summary>Timings of the orchestrator; tests tighten them.</summary>
/// <param name="Restart">When a crashed child is restarted.</param>
/// <param name="RedisStartTimeout">How long a started redis-server has to answer PING.</param>
/// <param name="ApiStartTimeout">How long the API has to answer <c>GET /health</c>.</param>
/// <param name="WorkerStopGrace">How long a worker has to drain after SIGTERM (its own grace is 30 s, plus reporting outcomes).</param>
/// <param name="ApiStopGrace">How long the API has after SIGTERM (its final snapshot included).</param>
/// <param name="RedisStopGrace">How long redis-server has after SIGTERM (it writes its data).</param>
/// <param name="MonitorInterval">The watch view's refresh period.</param>
internal sealed record StackTimings(
    RestartPolicy Restart,
    TimeSpan RedisStartTimeout,
    TimeSpan ApiStartTimeout,
    TimeSpan WorkerStopGrace,
    TimeSpan ApiStopGrace,
    TimeSpan RedisStopGrace,
    TimeSpan MonitorInterval)
{
    /// <summary>The defaults documented in docs/queuectl-start.md.</summary>
    public static StackTimings Default { get; } = new(
        RestartPolicy.Default,
        RedisStartTimeout: TimeSpan.FromSeconds(30),
        ApiStartTimeout: TimeSpan.FromSeconds(60),
        WorkerStopGrace: TimeSpan.FromSeconds(45),
        ApiStopGrace: TimeSpan.FromSeconds(30),
        RedisStopGrace: TimeSpan.FromSeconds(30),
        MonitorInterval: TimeSpan.FromSeconds(1));
}
