using System.Globalization;
using System.Text.Json;

namespace QueueBench.Peers;

/// <summary>
/// <c>--compare results.jsonl</c>: one table of RedisQueue against BullMQ and Sidekiq (and Hangfire when it ran) from one
/// run of <c>../shared/peers/run_all.sh</c>, per metric: the figures, our ratio to each peer, and the issue's target.
/// </summary>
internal static class PeerComparison
{
    private sealed record Row(string Peer, string Metric, string Variant, int Concurrency, int Prefetch, double Rate, double P50, double P99);

    /// <summary>Hangfire on Redis, drain at WorkerCount=10, from ../shared/peers/RESULTS.md (a run without Hangfire compares with this).</summary>
    private const double HangfireReferenceDrain = 770;

    public static int Print(string path)
    {
        var rows = Read(path);
        Row? Best(string peer, string metric, Func<Row, bool>? where = null) =>
            rows.Where(r => r.Peer == peer && r.Metric == metric && (where?.Invoke(r) ?? true)).MaxBy(r => r.Rate);
        const string Self = PeerBench.Peer;

        var single = Best(Self, "enqueue", r => r.Variant.Contains("sequential", StringComparison.Ordinal));
        var batch = Best(Self, "enqueue", r => !r.Variant.Contains("sequential", StringComparison.Ordinal));
        var c1 = Best(Self, "drain", r => r.Concurrency == 1 && r.Prefetch == 0);
        var c1Prefetch = Best(Self, "drain", r => r.Concurrency == 1);
        var best = Best(Self, "drain");
        var latency = rows.FirstOrDefault(r => r.Peer == Self && r.Metric == "latency");
        var bullSingle = Best("BullMQ", "enqueue", r => r.Variant.Contains("sequential", StringComparison.Ordinal));
        var bullBatch = Best("BullMQ", "enqueue", r => !r.Variant.Contains("sequential", StringComparison.Ordinal));
        var bullC1 = Best("BullMQ", "drain", r => r.Concurrency == 1);
        var bullBest = Best("BullMQ", "drain");
        var bullLatency = rows.FirstOrDefault(r => r.Peer == "BullMQ" && r.Metric == "latency");
        var kiqSingle = Best("Sidekiq", "enqueue", r => r.Variant.Contains("sequential", StringComparison.Ordinal));
        var kiqBatch = Best("Sidekiq", "enqueue", r => !r.Variant.Contains("sequential", StringComparison.Ordinal));
        var kiqC1 = Best("Sidekiq", "drain", r => r.Concurrency == 1);
        var kiqBest = Best("Sidekiq", "drain");
        var kiqLatency = rows.FirstOrDefault(r => r.Peer == "Sidekiq" && r.Metric == "latency");
        var hangfireBest = Best("Hangfire", "drain");

        Console.WriteLine("| metric | RedisQueue | BullMQ | × BullMQ | Sidekiq | × Sidekiq | target | met |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---|---|");
        Throughput("enqueue, one call per task", single, bullSingle, kiqSingle, "≥ 1.5 × BullMQ", bullSingle is null ? null : single?.Rate >= 1.5 * bullSingle.Rate);
        Throughput("enqueue, batch API (1000 per call)", batch, bullBatch, kiqBatch, "≥ 1 × Sidekiq push_bulk", kiqBatch is null ? null : batch?.Rate >= kiqBatch.Rate);
        Throughput("drain, concurrency 1, no prefetch", c1, bullC1, kiqC1, "≥ 1 × Sidekiq -c 1", kiqC1 is null ? null : c1?.Rate >= kiqC1.Rate);
        if (c1Prefetch is not null && c1Prefetch != c1)
            Throughput($"drain, concurrency 1, prefetch {c1Prefetch.Prefetch}", c1Prefetch, bullC1, kiqC1, "≥ 1 × Sidekiq -c 1", kiqC1 is null ? null : c1Prefetch.Rate >= kiqC1.Rate);
        Throughput($"drain, best ({Describe(best)} / BullMQ {Describe(bullBest)} / Sidekiq {Describe(kiqBest)})", best, bullBest, kiqBest,
            "≥ 2 × BullMQ's best", bullBest is null ? null : best?.Rate >= 2 * bullBest.Rate);
        Latency("enqueue→handler start p50 (ms)", latency?.P50, bullLatency?.P50, kiqLatency?.P50, "≤ 0.5 ms", latency is null ? null : latency.P50 <= 0.5);
        Latency("enqueue→handler start p99 (ms)", latency?.P99, bullLatency?.P99, kiqLatency?.P99, "≤ 2 ms", latency is null ? null : latency.P99 <= 2);
        var hangfire = hangfireBest?.Rate ?? HangfireReferenceDrain;
        if (best is not null)
            Console.WriteLine($"\nHangfire on Redis drains {N(hangfire)}/s at its best ({(hangfireBest is null ? "../shared/peers/RESULTS.md, WorkerCount=10" : $"this run, {hangfireBest.Variant}")}): " +
                $"RedisQueue's best drain is {best.Rate / hangfire:0.#} × that.");
        return 0;
    }

    private static void Throughput(string metric, Row? self, Row? bull, Row? kiq, string target, bool? met) =>
        Console.WriteLine($"| {metric} | {N(self?.Rate)} | {N(bull?.Rate)} | {Ratio(self?.Rate, bull?.Rate)} | {N(kiq?.Rate)} | {Ratio(self?.Rate, kiq?.Rate)} | {target} | {Met(met)} |");

    // For a latency the ratio is theirs over ours: above 1 means RedisQueue answers sooner.
    private static void Latency(string metric, double? self, double? bull, double? kiq, string target, bool? met) =>
        Console.WriteLine($"| {metric} | {Ms(self)} | {Ms(bull)} | {Ratio(bull, self)} | {Ms(kiq)} | {Ratio(kiq, self)} | {target} | {Met(met)} |");

    private static string Describe(Row? row) => row is null ? "n/a" : row.Prefetch > 0 ? $"c={row.Concurrency} p={row.Prefetch}" : $"c={row.Concurrency}";

    private static string N(double? value) => value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : "n/a";

    private static string Ms(double? value) => value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";

    private static string Ratio(double? ours, double? theirs) =>
        ours is { } a && theirs is { } b && b > 0 ? (a / b).ToString("0.00", CultureInfo.InvariantCulture) + " ×" : "n/a";

    private static string Met(bool? met) => met switch { true => "yes", false => "**no**", null => "n/a" };

    private static List<Row> Read(string path)
    {
        var rows = new List<Row>();
        foreach (var line in File.ReadLines(path))
        {
            if (!line.TrimStart().StartsWith('{')) continue;
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            if (!root.TryGetProperty("peer", out var peer) || !root.TryGetProperty("metric", out var metric) || root.TryGetProperty("error", out _)) continue;
            double Number(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;
            int Int(string name, int fallback) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : fallback;
            rows.Add(new Row(peer.GetString()!, metric.GetString()!, root.TryGetProperty("variant", out var variant) ? variant.GetString() ?? "" : "",
                Int("concurrency", 1), Int("prefetch", 0), Number("rate"), Number("p50_ms"), Number("p99_ms")));
        }
        return rows;
    }
}
