using System.Globalization;

namespace QueueBench;

/// <summary>
/// Command-line settings: <c>--n 20000 --depths 10000,100000,1000000 --stores memory,redis --latency 500 --redis host:port</c>;
/// <c>--snapshots</c> runs the backup/restore bench instead, at <c>--snapshot-sizes 10000,100000,1000000</c> tasks;
/// <c>--events</c> keeps a task-event subscriber reading every store under test (as the API's would).
/// </summary>
internal sealed record BenchSettings(int N, int LatencySamples, IReadOnlyList<int> Depths, IReadOnlyList<string> Stores, string? RedisConfiguration,
    bool Snapshots, IReadOnlyList<int> SnapshotSizes, bool Events = false)
{
    public static BenchSettings Parse(string[] args)
    {
        var n = 20_000;
        var latency = 500;
        IReadOnlyList<int> depths = [10_000, 100_000, 1_000_000];
        IReadOnlyList<string> stores = ["memory", "redis"];
        string? redis = null;
        var snapshots = false;
        var events = false;
        IReadOnlyList<int> snapshotSizes = [10_000, 100_000, 1_000_000];
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--n": n = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--latency": latency = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--depths": depths = Next().Split(',').Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--stores": stores = Next().Split(','); break;
                case "--redis": redis = Next(); break;
                case "--snapshots": snapshots = true; break;
                case "--events": events = true; break;
                case "--snapshot-sizes": snapshotSizes = Next().Split(',').Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--quick": n = 5_000; latency = 200; depths = [10_000, 100_000]; snapshotSizes = [2_000, 20_000]; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        if (snapshotSizes.Any(size => size < 1)) throw new ArgumentException("--snapshot-sizes must be positive");
        return new BenchSettings(n, latency, depths, stores, redis, snapshots, snapshotSizes, events);
    }
}
