using System.CommandLine;
using System.Globalization;

namespace QueueWorker;

/// <summary>
/// The worker's command line: <c>--worker-id</c>, <c>--queues a,b</c>, <c>--concurrency N</c>, <c>--prefetch N</c>, <c>--metrics-port P</c>. Each maps to a
/// configuration key (<c>Queue:Worker:…</c>), so the same settings also come from appsettings.json or the
/// environment; the command line wins.
/// </summary>
internal static class WorkerCommandLine
{
    public static readonly Option<string?> WorkerId = new("--worker-id")
    {
        Description = "This worker's id in logs and leases (default: <machine>-<pid>).",
    };

    public static readonly Option<string?> Queues = new("--queues")
    {
        Description = "Comma-separated queues to serve (default: every queue this worker has a handler for).",
    };

    public static readonly Option<int?> Concurrency = new("--concurrency")
    {
        Description = "Tasks run at once (default 1: one at a time).",
    };

    public static readonly Option<int?> Prefetch = new("--prefetch")
    {
        Description = "Tasks leased ahead of the running ones, waiting under their leases (default 0; for queues of many short tasks).",
    };

    public static readonly Option<int?> MetricsPort = new("--metrics-port")
    {
        Description = "Serve Prometheus metrics at http://+:<port>/metrics (default: none; Queue:Worker:MetricsHost picks the interface).",
    };

    /// <summary>The root command, running <paramref name="run"/> when the arguments parse.</summary>
    public static RootCommand Create(Func<ParseResult, CancellationToken, Task<int>> run)
    {
        var root = new RootCommand("RedisQueue worker: leases tasks from Redis and runs their handlers. Needs REDIS_URL.")
        {
            WorkerId, Queues, Concurrency, Prefetch, MetricsPort,
        };
        root.SetAction(run);
        return root;
    }

    /// <summary>The configuration keys the given options set; options not given are left out.</summary>
    public static Dictionary<string, string?> ToConfiguration(ParseResult parsed)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (parsed.GetValue(WorkerId) is { Length: > 0 } id) settings["Queue:Worker:WorkerId"] = id;
        if (parsed.GetValue(Queues) is { Length: > 0 } queues)
        {
            var names = queues.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            for (var i = 0; i < names.Length; i++) settings[$"Queue:Worker:Queues:{i}"] = names[i];
        }
        if (parsed.GetValue(Concurrency) is { } concurrency)
            settings["Queue:Worker:Concurrency"] = concurrency.ToString(CultureInfo.InvariantCulture);
        if (parsed.GetValue(Prefetch) is { } prefetch)
            settings["Queue:Worker:Prefetch"] = prefetch.ToString(CultureInfo.InvariantCulture);
        if (parsed.GetValue(MetricsPort) is { } port)
            settings[Metrics.WorkerMetricsServer.PortKey] = port.ToString(CultureInfo.InvariantCulture);
        return settings;
    }
}
