using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using QueueService.Snapshots;
using QueueService.Stores;
using QueueService.Tasks;

namespace QueueBench;

/// <summary>
/// Backup and restore of one store at each size: export, file write, file read, import into an empty
/// store (the restored count must equal the original's, or the bench fails); then, on the largest size,
/// how long single enqueues stall while a backup runs. Snapshot files go to a temp folder, deleted after.
/// </summary>
/// <param name="serverCommandMs">For a store with a server of its own (Redis): the server's total time in scripts so far, in ms.</param>
internal sealed class SnapshotBench(string storeName, Func<string, Task<IQueueStore>> createStore, Func<string, Task> dropStore,
    Func<Task<double>>? serverCommandMs, BenchSettings settings)
{
    /// <summary>The probe's pause between two enqueues: steady traffic, not a flat-out loop that would add
    /// hundreds of thousands of tasks to the memory store during the backup and take one of the two cores from it.</summary>
    private static readonly TimeSpan ProbePause = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan MinimumProbeWindow = TimeSpan.FromSeconds(3);

    public async Task<SnapshotFigures> RunAsync()
    {
        var figures = new SnapshotFigures(storeName);
        var largest = settings.SnapshotSizes.Max();
        foreach (var size in settings.SnapshotSizes)
        {
            var folder = Directory.CreateTempSubdirectory("queuebench-snapshots-");
            var name = $"snap-{size}";
            try
            {
                var store = await createStore(name);
                var start = TimeProvider.System.GetTimestamp();
                await SnapshotWorkload.FillAsync(store, size);
                var fillMs = Percentiles.Elapsed(start);
                Console.Error.WriteLine($"[{storeName}] {size:N0} tasks filled in {fillMs / 1000:N1} s");
                var files = new SnapshotDirectory(folder.FullName, NullLogger<SnapshotDirectory>.Instance, TimeProvider.System);

                var backup = await BackupAsync(store, files, size, fillMs);
                figures.Backups.Add(backup);
                figures.Restores.Add(await RestoreAsync(store, files, size, $"{name}-restored"));
                Console.Error.WriteLine($"[{storeName}] {size:N0} tasks: backup {backup.TotalMs / 1000:N1} s, restore checked");

                if (size == largest)
                {
                    var options = Options.Create(new SnapshotOptions { Directory = folder.FullName });
                    using var service = new BackupService(store, files, options, TimeProvider.System, NullLogger<BackupService>.Instance);
                    var during = await ProbeEnqueuesAsync(store, size, () => service.BackupNowAsync("bench"), window: null);
                    figures.Stalls.Add(during);
                    figures.Stalls.Add(await ProbeEnqueuesAsync(store, size, backup: null, TimeSpan.FromMilliseconds(during.WindowMs)));
                }
            }
            finally
            {
                await dropStore(name);
                folder.Delete(recursive: true);
                Collect();
            }
        }
        return figures;
    }

    private async Task<BackupFigures> BackupAsync(IQueueStore store, SnapshotDirectory files, int size, double fillMs)
    {
        Collect();
        // As BackupService does it: each page written to the file before the next is read.
        var reading = new System.Diagnostics.Stopwatch();
        using var watch = MemoryWatch.Start();
        var start = TimeProvider.System.GetTimestamp();
        var written = await files.WriteAsync(Timed(store.ExportPagesAsync(), reading));
        var totalMs = Percentiles.Elapsed(start);
        var memory = watch.Stop();
        if (written.Tasks != size)
            throw new InvalidOperationException($"{storeName}: the backup of a {size}-task store holds {written.Tasks} tasks");
        var readMs = reading.Elapsed.TotalMilliseconds;
        return new BackupFigures(storeName, size, fillMs, readMs, totalMs - readMs, written.Bytes, memory);
    }

    private static async IAsyncEnumerable<StoreSnapshot> Timed(IAsyncEnumerable<StoreSnapshot> parts, System.Diagnostics.Stopwatch reading)
    {
        await using var pages = parts.GetAsyncEnumerator();
        while (true)
        {
            reading.Start();
            var more = await pages.MoveNextAsync();
            reading.Stop();
            if (!more) yield break;
            yield return pages.Current;
        }
    }

    private async Task<RestoreFigures> RestoreAsync(IQueueStore original, SnapshotDirectory files, int size, string restoredName)
    {
        Collect();
        MemoryFigures memory;
        StoreSnapshot snapshot;
        var start = TimeProvider.System.GetTimestamp();
        using (var watch = MemoryWatch.Start())
        {
            var newest = files.ReadNewestValid();
            if (!newest.IsFound)
                throw new InvalidOperationException($"{storeName}: no valid snapshot read back ({newest.Rejected.Count} refused: " +
                                                    string.Join("; ", newest.Rejected.Select(r => r.Error.Message)) + ")");
            snapshot = newest.Snapshot!;
            memory = watch.Stop();
        }
        var readMs = Percentiles.Elapsed(start);

        try
        {
            var restored = await createStore(restoredName);
            start = TimeProvider.System.GetTimestamp();
            var imported = await restored.ImportAsync(snapshot);
            var importMs = Percentiles.Elapsed(start);

            var before = (await original.GetStatsAsync()).Totals;
            var after = (await restored.GetStatsAsync()).Totals;
            if (imported.Imported != size || snapshot.Tasks.Count != size || after != before || after.Total != size)
                throw new InvalidOperationException($"{storeName}: restore of {size} tasks is wrong: the file held {snapshot.Tasks.Count}, " +
                                                    $"{imported.Imported} imported ({imported.Skipped} skipped); original {before}, restored {after}");
            return new RestoreFigures(storeName, size, readMs, importMs, imported.Imported, memory);
        }
        finally
        {
            await dropStore(restoredName);
        }
    }

    /// <summary>
    /// Enqueues one task at a time, <see cref="ProbePause"/> apart, while <paramref name="backup"/> runs
    /// (or for <paramref name="window"/> without one), and records each call's latency and the longest gap
    /// between two completed calls (a pause that falls between calls shows there, not in a latency).
    /// </summary>
    private async Task<StallFigures> ProbeEnqueuesAsync(IQueueStore store, int size, Func<Task>? backup, TimeSpan? window)
    {
        Collect();
        var random = new Random(1);
        var payloads = Enumerable.Range(0, 64).Select(_ => SnapshotWorkload.Payload(random)).ToArray();
        var samples = new List<(long Sent, long Done)>(16_384);
        using var stop = new CancellationTokenSource();
        var probe = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var sent = TimeProvider.System.GetTimestamp();
                await store.EnqueueAsync(new NewTask(SnapshotWorkload.Queues[0], payloads[i % payloads.Length]) { Priority = 10 });
                samples.Add((sent, TimeProvider.System.GetTimestamp()));
                await Task.Delay(ProbePause);
            }
        });
        // Let the probe reach its steady pace before the backup starts.
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        var (gcPause, gen2, serverMs) = (GC.GetTotalPauseDuration(), GC.CollectionCount(2), serverCommandMs is null ? 0 : await serverCommandMs());
        var start = TimeProvider.System.GetTimestamp();
        if (backup is not null) await Task.Run(backup);
        else await Task.Delay(window is { } w && w > MinimumProbeWindow ? w : MinimumProbeWindow);
        var end = TimeProvider.System.GetTimestamp();
        var gc = new GcFigures((GC.GetTotalPauseDuration() - gcPause).TotalMilliseconds, GC.CollectionCount(2) - gen2);
        double? serverBusyMs = serverCommandMs is null ? null : await serverCommandMs() - serverMs;
        await stop.CancelAsync();
        await probe;

        // Every call that overlaps the window: a stall at its edges counts too.
        var inWindow = samples.Where(s => s.Done >= start && s.Sent <= end).ToList();
        var latencies = inWindow.Select(s => TimeProvider.System.GetElapsedTime(s.Sent, s.Done).TotalMilliseconds).ToList();
        var longestGap = inWindow.Skip(1).Select((s, i) => TimeProvider.System.GetElapsedTime(inWindow[i].Done, s.Done).TotalMilliseconds)
            .DefaultIfEmpty(double.NaN).Max();
        return new StallFigures(storeName, size, backup is not null, latencies.Count, Percentiles.Of(latencies, 50),
            Percentiles.Of(latencies, 99), latencies.Count == 0 ? double.NaN : latencies.Max(), longestGap,
            TimeProvider.System.GetElapsedTime(start, end).TotalMilliseconds, gc, serverBusyMs);
    }

    /// <summary>Starts each phase from a collected heap, so one phase's garbage is not another's pause.</summary>
    private static void Collect()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }
}

/// <summary>What one store measured at every size.</summary>
internal sealed class SnapshotFigures(string store)
{
    public string Store { get; } = store;
    public List<BackupFigures> Backups { get; } = [];
    public List<RestoreFigures> Restores { get; } = [];
    public List<StallFigures> Stalls { get; } = [];
}

/// <summary>A backup: export from the store, write of the file (encode, write, fsync, rename), in milliseconds.</summary>
internal sealed record BackupFigures(string Store, int Tasks, double FillMs, double ExportMs, double WriteMs, long FileBytes, MemoryFigures WriteMemory)
{
    public double TotalMs => ExportMs + WriteMs;
}

/// <summary>A restore: read and decode of the newest file, import into an empty store, in milliseconds.</summary>
internal sealed record RestoreFigures(string Store, int Tasks, double ReadMs, double ImportMs, int Restored, MemoryFigures ReadMemory)
{
    public double TotalMs => ReadMs + ImportMs;
}

/// <summary>
/// Single enqueues during a backup of a store of <paramref name="Tasks"/> tasks, or during as long without one;
/// with this process's garbage collections and the server's time in scripts (Redis) over the same window.
/// </summary>
internal sealed record StallFigures(string Store, int Tasks, bool DuringBackup, int Calls, double P50Ms, double P99Ms, double MaxMs,
    double LongestGapMs, double WindowMs, GcFigures Gc, double? ServerBusyMs);

/// <summary>Garbage collections over a window: total pause in milliseconds and how many were full (gen2).</summary>
internal sealed record GcFigures(double PauseMs, int Gen2Count);
