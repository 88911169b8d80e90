using System.Net;
using System.Net.Sockets;
using QueueService.Tasks;
using QueueService.Tests.Fixtures;
using QueueService.Tests.Support;

namespace QueueWorker.Tests.Process;

/// <summary>The real QueueWorker process serving its own /metrics, against a real redis-server.</summary>
public sealed class WorkerMetricsProcessTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Worker_ServesPrometheusMetricsOfItsTasks_WhenGivenAMetricsPort()
    {
        var ns = RedisServerFixture.UniqueNamespace();
        await using var store = redis.CreateStore(ns);
        var risky = await store.EnqueueAsync(new NewTask("risk-detection", """{"text":"Just wire the money today."}"""));
        var port = FreePort();
        await using var worker = WorkerProcess.Start(new Dictionary<string, string?>
        {
            ["REDIS_URL"] = redis.ConnectionString,
            ["Queue__Redis__Namespace"] = ns,
        }, "--worker-id", "metrics-test", "--metrics-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Eventually.TrueAsync(async ct => (await store.GetAsync(risky.Id, ct))?.Status == QueueTaskStatus.Completed, Patience,
            "the worker process should run the task");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var text = await Eventually.MatchAsync(async ct =>
            {
                try
                {
                    return await http.GetStringAsync("/metrics", ct);
                }
                catch (HttpRequestException)
                {
                    return "";
                }
            },
            t => t.Contains("redisqueue_tasks_completed_total{queue=\"risk-detection\"} 1", StringComparison.Ordinal),
            Patience, "the worker's /metrics should count the task it completed. Output:\n" + worker.Output);

        text.Should().Contain("redisqueue_task_processing_duration_seconds_count{queue=\"risk-detection\",outcome=\"completed\"} 1")
            .And.Contain("redisqueue_task_wait_duration_seconds_count{queue=\"risk-detection\"} 1")
            .And.Contain("process_cpu_seconds_total");
        worker.Output.Should().Contain($"Metrics at http://+:{port}/metrics");
        ListeningPorts(worker.Id).Should().Contain(port, "the check below for no listener must be able to see one");
        worker.Terminate();
        (await worker.WaitForExitAsync(Patience)).Should().Be(0, worker.Output);
    }

    [Fact]
    public async Task Worker_ServesNoMetrics_WhenNoPortIsGiven()
    {
        var ns = RedisServerFixture.UniqueNamespace();
        await using var store = redis.CreateStore(ns);
        var task = await store.EnqueueAsync(new NewTask("risk-detection", """{"text":"hello"}"""));
        await using var worker = WorkerProcess.Start(new Dictionary<string, string?>
        {
            ["REDIS_URL"] = redis.ConnectionString,
            ["Queue__Redis__Namespace"] = ns,
        }, "--worker-id", "no-metrics-test");

        await Eventually.TrueAsync(async ct => (await store.GetAsync(task.Id, ct))?.Status == QueueTaskStatus.Completed, Patience,
            "the worker process should run the task");

        worker.Output.Should().NotContain("Metrics at");
        ListeningPorts(worker.Id).Should().BeEmpty("a worker without --metrics-port opens no listening socket at all");
        worker.Terminate();
        (await worker.WaitForExitAsync(Patience)).Should().Be(0, worker.Output);
    }

    [Fact]
    public async Task Worker_ExitsWithCode2NamingTheKey_WhenTheMetricsPortIsOutOfRange()
    {
        await using var worker = WorkerProcess.Start(new Dictionary<string, string?> { ["REDIS_URL"] = redis.ConnectionString },
            "--metrics-port", "70000");

        (await worker.WaitForExitAsync(Patience)).Should().Be(2);
        worker.Output.Should().Contain("Queue:Worker:MetricsPort").And.Contain("70000");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // The TCP ports a process listens on: its socket inodes (/proc/<pid>/fd) matched against the kernel's
    // listening sockets (state 0A in /proc/net/tcp and tcp6).
    private static HashSet<int> ListeningPorts(int pid)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fd in Directory.GetFiles($"/proc/{pid}/fd"))
        {
            var target = new FileInfo(fd).LinkTarget;
            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)) inodes.Add(target[8..^1]);
        }
        var ports = new HashSet<int>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table)) continue;
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && fields[3] == "0A" && inodes.Contains(fields[9]))
                    ports.Add(int.Parse(fields[1][(fields[1].LastIndexOf(':') + 1)..], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return ports;
    }
}
