namespace QueueBench;

/// <summary>Prints the tables of a run.</summary>
internal static class Report
{
    public static void Print(IReadOnlyList<StoreFigures> results, BenchSettings settings)
    {
        var throughput = new Table($"Throughput (tasks/s, N = {settings.N} no-op tasks, one process)",
            "store", "enqueue, one call each", "enqueue, batch of 1000", "lease+complete, c=1",
            "lease+complete, c=64", "lease 64 per call + complete");
        foreach (var r in results)
            throughput.Add(r.Store, r.EnqueueSingle, r.EnqueueBatch, r.DrainC1, r.DrainC64, r.DrainBatch64);
        throughput.Print();

        var latency = new Table($"Enqueue→lease latency on an idle queue (ms, {settings.LatencySamples} probes)", "store", "p50", "p99", "max");
        foreach (var r in results) latency.Add(r.Store, r.LatencyP50, r.LatencyP99, r.LatencyMax);
        latency.Print();

        var depth = new Table("Cost against queue depth (median ms per call; flat = O(log N))",
            "store", "queued depth", "position of the middle task (GET)", "page of 50 at the middle (LIST)", "enqueue one");
        foreach (var r in results)
            foreach (var d in r.Depth) depth.Add(r.Store, d.Depth.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), d.PositionMs, d.ListPageMs, d.EnqueueMs);
        depth.Print();
    }
}
