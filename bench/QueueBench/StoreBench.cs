using System.Collections.Concurrent;
using QueueService.Stores;
using QueueService.Tasks;

namespace QueueBench;

/// <summary>The measurements of one store: throughput, idle latency and cost against queue depth.</summary>
internal sealed class StoreBench(string storeName, Func<string, Task<IQueueStore>> createStore, BenchSettings settings)
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly string[] NoOpPayloads = ["{}"];

    public async Task<StoreFigures> RunAsync()
    {
        var figures = new StoreFigures(storeName);
        var n = settings.N;

        var store = await createStore("enqueue-single");
        figures.EnqueueSingle = await TimeAsync(n, async () =>
        {
            for (var i = 0; i < n; i++) await store.EnqueueAsync(new NewTask("bench", NoOpPayloads[0]));
        });

        store = await createStore("enqueue-batch");
        figures.EnqueueBatch = await TimeAsync(n, () => EnqueueBatchesAsync(store, "bench", n, 1000));

        store = await createStore("drain-c1");
        await EnqueueBatchesAsync(store, "bench", n, 1000);
        figures.DrainC1 = await TimeAsync(n, () => DrainAsync(store, n, concurrency: 1, leaseBatch: 1));

        store = await createStore("drain-c64");
        await EnqueueBatchesAsync(store, "bench", n, 1000);
        figures.DrainC64 = await TimeAsync(n, () => DrainAsync(store, n, concurrency: 64, leaseBatch: 1));

        store = await createStore("drain-batch");
        await EnqueueBatchesAsync(store, "bench", n, 1000);
        figures.DrainBatch64 = await TimeAsync(n, () => DrainAsync(store, n, concurrency: 1, leaseBatch: 64));

        store = await createStore("latency");
        (figures.LatencyP50, figures.LatencyP99, figures.LatencyMax) = await IdleLatencyAsync(store, settings.LatencySamples);

        store = await createStore("depth");
        await DepthCostAsync(store, figures);
        return figures;
    }

    private static async Task<double> TimeAsync(int count, Func<Task> work)
    {
        var start = TimeProvider.System.GetTimestamp();
        await work();
        return count / TimeProvider.System.GetElapsedTime(start).TotalSeconds;
    }

    private static async Task EnqueueBatchesAsync(IQueueStore store, string queue, int count, int batchSize, Func<int, int>? priority = null)
    {
        for (var done = 0; done < count; done += batchSize)
        {
            var size = Math.Min(batchSize, count - done);
            var batch = new NewTask[size];
            for (var i = 0; i < size; i++) batch[i] = new NewTask(queue, "{}") { Priority = priority?.Invoke(done + i) ?? 0 };
            await store.EnqueueBatchAsync(batch);
        }
    }

    /// <summary>Lease and complete until <paramref name="count"/> tasks are done, with <paramref name="concurrency"/> loops each leasing up to <paramref name="leaseBatch"/>.</summary>
    private static async Task DrainAsync(IQueueStore store, int count, int concurrency, int leaseBatch)
    {
        var remaining = count;
        var loops = Enumerable.Range(0, concurrency).Select(async slot =>
        {
            string[] queues = ["bench"];
            while (Volatile.Read(ref remaining) > 0)
            {
                var leases = await store.LeaseAsync($"bench-{slot}", queues, leaseBatch, Lease);
                if (leases.Count == 0) break;
                await Task.WhenAll(leases.Select(l => store.CompleteAsync(l, null)));
                Interlocked.Add(ref remaining, -leases.Count);
            }
        });
        await Task.WhenAll(loops);
        if (remaining > 0) throw new InvalidOperationException($"{remaining} tasks were not drained");
    }

    /// <summary>Enqueue→lease latency on an idle queue: a consumer waits for wake-ups while a producer sends one task at a time.</summary>
    private static async Task<(double P50, double P99, double Max)> IdleLatencyAsync(IQueueStore store, int samples)
    {
        var started = new ConcurrentDictionary<string, long>();
        using var stop = new CancellationTokenSource();
        string[] queues = ["latency"];
        var consumer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var leases = await store.LeaseAsync("latency-worker", queues, 1, Lease);
                if (leases.Count == 0)
                {
                    try { await store.WaitForWorkAsync(queues, TimeSpan.FromSeconds(1), stop.Token); }
                    catch (OperationCanceledException) { return; }
                    continue;
                }
                started[leases[0].TaskId] = TimeProvider.System.GetTimestamp();
                await store.CompleteAsync(leases[0], null);
            }
        });
        var latencies = new List<double>(samples);
        for (var i = 0; i < samples; i++)
        {
            var id = $"probe-{i}";
            var sent = TimeProvider.System.GetTimestamp();
            await store.EnqueueAsync(new NewTask("latency", "{}") { Id = id });
            long at;
            while (!started.TryGetValue(id, out at)) await Task.Yield();
            latencies.Add(TimeProvider.System.GetElapsedTime(sent, at).TotalMilliseconds);
            // Let the consumer go back to waiting so every probe meets an idle queue.
            await Task.Delay(2);
        }
        await stop.CancelAsync();
        await consumer;
        return (Percentiles.Of(latencies, 50), Percentiles.Of(latencies, 99), latencies.Max());
    }

    private async Task DepthCostAsync(IQueueStore store, StoreFigures figures)
    {
        // The empty queue first: what the deep queues' throughput is held against, after untimed rounds for the JIT's
        // tiers (one round was too few: the first depth then beat the empty queue by 10-67 %).
        await ThroughputAtDepthAsync(store, rounds: 5);
        var (emptyEnqueue, emptyLease) = await ThroughputAtDepthAsync(store);
        figures.Depth.Add(new DepthFigures(0, double.NaN, double.NaN, double.NaN, emptyEnqueue, emptyLease));
        var filled = 0;
        foreach (var depth in settings.Depths)
        {
            await EnqueueBatchesAsync(store, "deep", depth - filled, 1000, i => i % 10);
            filled = depth;
            var probe = await store.ListAsync(new TaskQuery(QueueTaskStatus.Queued, "deep", depth / 2, 1));
            var middleId = probe.Items[0].Id;

            var position = new List<double>();
            for (var i = 0; i < 500; i++)
            {
                var t = TimeProvider.System.GetTimestamp();
                var task = await store.GetAsync(middleId);
                position.Add(Percentiles.Elapsed(t));
                if (task?.QueuePosition is null) throw new InvalidOperationException("no position for a queued task");
            }
            var page = new List<double>();
            for (var i = 0; i < 200; i++)
            {
                var t = TimeProvider.System.GetTimestamp();
                await store.ListAsync(new TaskQuery(QueueTaskStatus.Queued, "deep", depth / 2, 50));
                page.Add(Percentiles.Elapsed(t));
            }
            var enqueue = new List<double>();
            for (var i = 0; i < 200; i++)
            {
                var t = TimeProvider.System.GetTimestamp();
                await store.EnqueueAsync(new NewTask("deep-probe", "{}") { Priority = i % 10 });
                enqueue.Add(Percentiles.Elapsed(t));
            }
            var (enqueueRate, leaseRate) = await ThroughputAtDepthAsync(store);
            figures.Depth.Add(new DepthFigures(depth, Percentiles.Of(position, 50), Percentiles.Of(page, 50), Percentiles.Of(enqueue, 50), enqueueRate, leaseRate));
        }
    }

    private const int DepthProbeTasks = 10_000;

    /// <summary>
    /// Throughput on top of the queue as it stands: 10,000 tasks enqueued in calls of 1,000 onto the deep queue, then
    /// 10,000 leased and completed as a worker's loop does (one <see cref="IQueueStore.CompleteAndLeaseAsync"/> per 100),
    /// which leaves the depth as it was; the median of <paramref name="rounds"/> rounds of each (a single round of a
    /// few hundred milliseconds swung by ±30 % on this VM).
    /// </summary>
    private static async Task<(double Enqueue, double Lease)> ThroughputAtDepthAsync(IQueueStore store, int rounds = 5)
    {
        var enqueues = new List<double>();
        var leases = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            var (enqueue, lease) = await ThroughputRoundAsync(store);
            enqueues.Add(enqueue);
            leases.Add(lease);
            // Untimed: the round's completed tasks go, so the keyspace stays at the depth. Otherwise the rounds on top of
            // 1,000,000 tasks push Redis's key table past 2^20 entries, and the incremental rehash of a million keys
            // (a one-off, amortised over the growth) lands in the measurement: 20 % of redis-server's time in a profile.
            await store.PurgeFinishedAsync(TimeSpan.Zero, 100_000);
        }
        return (Percentiles.Of(enqueues, 50), Percentiles.Of(leases, 50));
    }

    private static async Task<(double Enqueue, double Lease)> ThroughputRoundAsync(IQueueStore store)
    {
        var enqueue = await TimeAsync(DepthProbeTasks, () => EnqueueBatchesAsync(store, "deep", DepthProbeTasks, 1000, i => 9));
        var lease = await TimeAsync(DepthProbeTasks, async () =>
        {
            string[] queues = ["deep"];
            var done = 0;
            var held = await store.LeaseAsync("depth", queues, 100, Lease);
            while (held.Count > 0)
            {
                done += held.Count;
                var next = await store.CompleteAndLeaseAsync([.. held.Select(l => new TaskCompletion(l, null))], "depth", queues,
                    Math.Min(100, DepthProbeTasks - done), Lease);
                held = next.Leases;
            }
            if (done < DepthProbeTasks) throw new InvalidOperationException($"only {done} of {DepthProbeTasks} tasks were leased");
        });
        return (enqueue, lease);
    }
}

/// <summary>What one store measured.</summary>
internal sealed class StoreFigures(string store)
{
    public string Store { get; } = store;
    public double EnqueueSingle { get; set; }
    public double EnqueueBatch { get; set; }
    public double DrainC1 { get; set; }
    public double DrainC64 { get; set; }
    public double DrainBatch64 { get; set; }
    public double LatencyP50 { get; set; }
    public double LatencyP99 { get; set; }
    public double LatencyMax { get; set; }
    public List<DepthFigures> Depth { get; } = [];
}

/// <summary>Median cost in milliseconds of one call at a queue depth, and tasks/s enqueued and leased on top of it.</summary>
internal sealed record DepthFigures(int Depth, double PositionMs, double ListPageMs, double EnqueueMs, double EnqueueRate, double LeaseRate);
