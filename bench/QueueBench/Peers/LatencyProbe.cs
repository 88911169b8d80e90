using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QueueService.Stores;
using QueueService.Stores.Redis;
using QueueService.Tasks;
using QueueService.Workers;
using StackExchange.Redis;

namespace QueueBench.Peers;

/// <summary>
/// Enqueue→handler-start latency on an idle queue, measured as the peers do: the worker is a separate process
/// (this bench run with <c>--latency-worker</c>: the production worker runtime at concurrency 1). The producer
/// reads the monotonic clock (shared by every process on the host) right before <c>EnqueueAsync</c> and puts it in
/// the payload; the handler reads the same clock first thing and publishes the difference back. Probes are 5–10 ms
/// apart so each meets an idle queue; the first 20 are warm-up.
/// </summary>
internal sealed class LatencyProbe(string redisConfiguration, string @namespace, int samples)
{
    public const string Queue = "latency";
    private const int WarmUp = 20;
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    private static RedisChannel ReplyChannel(string ns) => RedisChannel.Literal($"queuebench:{ns}:latency");

    public async Task<(double P50, double P99, double Max, int Count)> RunAsync(ConnectionMultiplexer connection)
    {
        var replies = System.Threading.Channels.Channel.CreateUnbounded<double>();
        var subscriber = connection.GetSubscriber();
        await subscriber.SubscribeAsync(ReplyChannel(@namespace), (_, value) => replies.Writer.TryWrite(double.Parse((string)value!, CultureInfo.InvariantCulture)));

        var options = new RedisStoreOptions { Namespace = @namespace };
        await using var store = new RedisQueueStore(connection, options, new QueueStoreOptions());
        using var worker = StartWorker();
        try
        {
            await WaitForWorkerAsync(store, worker);
            var latencies = new List<double>(samples);
            for (var i = 0; i < samples + WarmUp; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5 + Random.Shared.NextDouble() * 5));
                var sent = TimeProvider.System.GetTimestamp();
                await store.EnqueueAsync(new NewTask(Queue, $"{{\"t0\":{sent}}}"));
                var latency = await replies.Reader.ReadAsync().AsTask().WaitAsync(ReplyTimeout);
                if (i >= WarmUp) latencies.Add(latency);
            }
            return (Percentiles.Of(latencies, 50), Percentiles.Of(latencies, 99), latencies.Max(), latencies.Count);
        }
        finally
        {
            await subscriber.UnsubscribeAsync(ReplyChannel(@namespace));
            await StopWorkerAsync(worker);
        }
    }

    private Process StartWorker()
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // QueueWorker's own GC (workstation, concurrent: the console default), not the bench's server GC.
        start.Environment["DOTNET_gcServer"] = Environment.GetEnvironmentVariable("RQ_LAT_GCSERVER") ?? "0";
        start.Environment["DOTNET_gcConcurrent"] = "1";
        // Run the bench's own assembly again (dotnet QueueBench.dll, or the apphost), as a worker.
        var entry = typeof(LatencyProbe).Assembly.Location;
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") start.ArgumentList.Add(entry);
        foreach (var arg in new[] { "--latency-worker", redisConfiguration, @namespace }) start.ArgumentList.Add(arg);
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the latency worker");
    }

    private static async Task WaitForWorkerAsync(RedisQueueStore store, Process worker)
    {
        var started = TimeProvider.System.GetTimestamp();
        while ((await store.ListWorkersAsync()).Count == 0)
        {
            if (worker.HasExited) throw new InvalidOperationException($"the latency worker exited with code {worker.ExitCode}");
            if (TimeProvider.System.GetElapsedTime(started) > TimeSpan.FromSeconds(30)) throw new TimeoutException("the latency worker did not register within 30 s");
            await Task.Delay(50);
        }
    }

    private static async Task StopWorkerAsync(Process worker)
    {
        if (worker.HasExited) return;
        // Closing its standard input is the worker's signal to stop its host gracefully.
        worker.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await worker.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            worker.Kill(entireProcessTree: true);
        }
    }

    /// <summary>The worker side (<c>--latency-worker &lt;redis&gt; &lt;namespace&gt;</c>): runs until standard input closes.</summary>
    public static async Task<int> RunWorkerAsync(string redisConfiguration, string @namespace)
    {
        var handler = new ReplyingHandler(ReplyChannel(@namespace));
        using var host = BenchWorkerHost.Build(redisConfiguration, @namespace, $"bench-latency-{Environment.ProcessId}", 1, handler);
        handler.Publisher = host.Services.GetRequiredService<IConnectionMultiplexer>().GetSubscriber();
        await host.StartAsync();
        await Task.Run(() => Console.In.ReadToEnd());
        await host.StopAsync();
        return 0;
    }

    /// <summary>Reads the clock first thing, then publishes how long ago the producer read it.</summary>
    private sealed class ReplyingHandler(RedisChannel replies) : ITaskHandler
    {
        public ISubscriber? Publisher { get; set; }

        public string Queue => LatencyProbe.Queue;

        public async Task<string?> HandleAsync(TaskContext context)
        {
            var now = TimeProvider.System.GetTimestamp();
            using var payload = JsonDocument.Parse(context.PayloadJson);
            var sent = payload.RootElement.GetProperty("t0").GetInt64();
            var ms = TimeProvider.System.GetElapsedTime(sent, now).TotalMilliseconds;
            await Publisher!.PublishAsync(replies, ms.ToString("R", CultureInfo.InvariantCulture));
            return null;
        }
    }
}
