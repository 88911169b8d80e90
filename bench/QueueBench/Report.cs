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

        var depth = new Table("Cost against queue depth (median ms per call; flat = O(log N)); throughput on top of it (tasks/s, and against the empty queue)",
            "store", "queued depth", "position of the middle task (GET)", "page of 50 at the middle (LIST)", "enqueue one",
            "enqueue, 1000 per call", "lease+complete, 100 per call");
        foreach (var r in results)
        {
            var empty = r.Depth.FirstOrDefault(d => d.Depth == 0);
            string Against(double rate, double? baseline) => baseline is > 0 && rate > 0
                ? $"{rate.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} ({rate / baseline.Value:P0})"
                : rate.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
            foreach (var d in r.Depth)
                depth.Add(r.Store, d.Depth.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
                    double.IsNaN(d.PositionMs) ? "–" : d.PositionMs, double.IsNaN(d.ListPageMs) ? "–" : d.ListPageMs, double.IsNaN(d.EnqueueMs) ? "–" : d.EnqueueMs,
                    Against(d.EnqueueRate, empty?.EnqueueRate), Against(d.LeaseRate, empty?.LeaseRate));
        }
        depth.Print();
    }
}
