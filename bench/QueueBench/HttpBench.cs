using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using QueueService.Hosting;

namespace QueueBench;

/// <summary>
/// The HTTP API end to end on loopback: the real QueueHttpApi process (Release build, its default
/// logging: one Serilog line per request to the console and the rolling file), in embedded mode
/// (memory store) or on Redis, with no workers so submissions only queue. Clients submit
/// risk-detection tasks (<c>POST /tasks/risk-detection</c>) and read them back (<c>GET /tasks/{id}</c>),
/// at several concurrencies, each for a fixed time; client and server share the machine's cores.
/// </summary>
internal sealed class HttpBench(string storeName, string? redisConfiguration, BenchSettings settings)
{
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(2);

    public async Task<List<HttpFigures>> RunAsync()
    {
        var figures = new List<HttpFigures>();
        var folder = Directory.CreateTempSubdirectory("rq-httpbench-");
        var port = LocalRedisServer.FreeLoopbackPort();
        using var api = StartApi(port, folder.FullName);
        try
        {
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = settings.HttpConcurrency.Max(), PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
            using var client = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            await WaitReadyAsync(client, api);
            var ids = new List<string>();
            // Warm up both paths (JIT, connection pool), and collect ids for the reads.
            await LoadAsync(client, settings.HttpConcurrency.Max(), Warmup, c => SubmitAsync(c, ids));
            foreach (var concurrency in settings.HttpConcurrency)
            {
                figures.Add(Figures("POST /tasks/risk-detection", concurrency, await LoadAsync(client, concurrency, settings.HttpDuration, c => SubmitAsync(c, ids))));
                string[] readable;
                lock (ids) readable = [.. ids];
                var next = 0;
                figures.Add(Figures("GET /tasks/{id}", concurrency, await LoadAsync(client, concurrency, settings.HttpDuration,
                    c => ReadAsync(c, readable[(int)((uint)Interlocked.Increment(ref next) % (uint)readable.Length)]))));
            }
            return figures;
        }
        finally
        {
            if (!api.HasExited)
            {
                api.Kill(entireProcessTree: true);
                await api.WaitForExitAsync();
            }
            folder.Delete(recursive: true);
        }
    }

    private Process StartApi(int port, string folder)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { ApiAssembly(), "--urls", $"http://127.0.0.1:{port}" },
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["QUEUE_EMBEDDED_WORKERS"] = "0";
        info.Environment["BACKUP_DIR"] = Path.Combine(folder, "backups");
        info.Environment["SPOOL_DIR"] = Path.Combine(folder, "spool");
        info.Environment["BACKUP_INTERVAL"] = "3600";
        if (redisConfiguration is not null)
        {
            info.Environment["REDIS_URL"] = redisConfiguration;
            info.Environment["Queue__Redis__Namespace"] = "httpbench-" + Guid.NewGuid().ToString("N")[..8];
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start QueueHttpApi");
        // Drain both streams (the request log is one line per request), keeping the last lines for errors.
        var tail = new Queue<string>();
        void Keep(string? line)
        {
            if (line is null) return;
            lock (tail)
            {
                tail.Enqueue(line);
                if (tail.Count > 20) tail.Dequeue();
            }
        }
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _tail = tail;
        return process;
    }

    private Queue<string> _tail = new();

    private async Task WaitReadyAsync(HttpClient client, Process api)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (api.HasExited) break;
            try
            {
                if ((await client.GetAsync("/openapi/v1.json")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        string[] lines;
        lock (_tail) lines = [.. _tail];
        throw new InvalidOperationException($"QueueHttpApi did not answer within 30 s ({storeName}); its last lines:\n" + string.Join('\n', lines));
    }

    private static async Task SubmitAsync(HttpClient client, List<string> ids)
    {
        using var response = await client.PostAsJsonAsync("/tasks/risk-detection", new { text = "please wire the money today, it is urgent", priority = 50 });
        if (response.StatusCode != HttpStatusCode.Accepted)
            throw new InvalidOperationException($"POST /tasks/risk-detection answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
        var id = body.RootElement.GetProperty("id").GetString()!;
        lock (ids) ids.Add(id);
    }

    private static async Task ReadAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/tasks/{id}");
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET /tasks/{id} answered {(int)response.StatusCode}");
        await response.Content.ReadAsByteArrayAsync();
    }

    // `concurrency` loops each send one request at a time until the time is up; every latency is kept.
    private static async Task<(List<double> Latencies, double Seconds)> LoadAsync(HttpClient client, int concurrency, TimeSpan duration, Func<HttpClient, Task> call)
    {
        var latencies = new List<double>[concurrency];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(i => Task.Run(async () =>
        {
            var mine = latencies[i] = new List<double>(16_384);
            while (clock.Elapsed < duration)
            {
                var start = Stopwatch.GetTimestamp();
                await call(client);
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        })));
        return ([.. latencies.SelectMany(l => l)], clock.Elapsed.TotalSeconds);
    }

    private HttpFigures Figures(string request, int concurrency, (List<double> Latencies, double Seconds) run) =>
        new(storeName, request, concurrency, run.Latencies.Count, run.Latencies.Count / run.Seconds,
            Percentiles.Of(run.Latencies, 50), Percentiles.Of(run.Latencies, 90), Percentiles.Of(run.Latencies, 99), run.Latencies.Max());

    /// <summary>QueueHttpApi.dll in its own Release output, built by this project's reference to it.</summary>
    private static string ApiAssembly()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var (framework, configuration) = (output.Name, output.Parent!.Name);
        for (var dir = output; dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "RedisQueue.sln"))) continue;
            var api = Path.Combine(dir.FullName, "QueueHttpApi", "bin", configuration, framework, "QueueHttpApi.dll");
            return File.Exists(api) ? api : throw new InvalidOperationException($"{api} is missing: build it (dotnet build QueueHttpApi -c {configuration}).");
        }
        throw new InvalidOperationException($"No RedisQueue.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>One request kind at one concurrency.</summary>
internal sealed record HttpFigures(string Store, string Request, int Concurrency, int Requests, double PerSecond, double P50Ms, double P90Ms, double P99Ms, double MaxMs);

/// <summary>Prints the HTTP tables.</summary>
internal static class HttpReport
{
    public static void Print(IReadOnlyList<HttpFigures> figures, BenchSettings settings)
    {
        var table = new Table($"HTTP API on loopback (requests/s and latency in ms; {settings.HttpDuration.TotalSeconds:0} s per row, the API in its own process, no workers)",
            "store", "request", "concurrent clients", "requests", "requests/s", "p50", "p90", "p99", "max");
        foreach (var f in figures)
            table.Add(f.Store, f.Request, f.Concurrency, f.Requests.ToString("N0", CultureInfo.InvariantCulture), f.PerSecond, f.P50Ms, f.P90Ms, f.P99Ms, f.MaxMs);
        table.Print();
    }
}
