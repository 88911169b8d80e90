using System.Globalization;

namespace QueueBench;

/// <summary>
/// Command-line settings: <c>--n 20000 --depths 10000,100000,1000000 --stores memory,redis --latency 500 --redis host:port</c>;
/// <c>--snapshots</c> runs the backup/restore bench instead, at <c>--snapshot-sizes 10000,100000,1000000</c> tasks;
/// <c>--http</c> the HTTP API bench, at <c>--http-concurrency 1,16,64</c> clients for <c>--http-seconds 10</c> per row;
/// <c>--events</c> keeps a task-event subscriber reading every store under test (as the API's would);
/// <c>--journal</c> the failover journal bench, at <c>--journal-appenders 1,16,64</c> appenders and <c>--journal-windows 2,0</c> ms
/// for <c>--journal-seconds 3</c> per row, in <c>--journal-dir</c> (default the temp folder).
/// </summary>
internal sealed record BenchSettings(int N, int LatencySamples, IReadOnlyList<int> Depths, IReadOnlyList<string> Stores, string? RedisConfiguration,
    bool Snapshots, IReadOnlyList<int> SnapshotSizes, bool Http = false, IReadOnlyList<int>? HttpConcurrencyLevels = null, double HttpSeconds = 10,
    bool Events = false, bool Journal = false, IReadOnlyList<int>? JournalAppenderCounts = null, IReadOnlyList<double>? JournalWindowsMs = null,
    double JournalSeconds = 3, string? JournalDirectory = null)
{
    /// <summary>Appender counts of the journal bench.</summary>
    public IReadOnlyList<int> JournalAppenders => JournalAppenderCounts ?? [1, 16, 64];

    /// <summary>Commit windows of the journal bench.</summary>
    public IReadOnlyList<TimeSpan> JournalWindows => (JournalWindowsMs ?? [2, 0]).Select(TimeSpan.FromMilliseconds).ToArray();

    /// <summary>How long each journal row runs.</summary>
    public TimeSpan JournalDuration => TimeSpan.FromSeconds(JournalSeconds);

    /// <summary>Client counts of the HTTP bench.</summary>
    public IReadOnlyList<int> HttpConcurrency => HttpConcurrencyLevels ?? [1, 16, 64];

    /// <summary>How long each HTTP row runs.</summary>
    public TimeSpan HttpDuration => TimeSpan.FromSeconds(HttpSeconds);

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
        var http = false;
        int[] httpConcurrency = [1, 16, 64];
        var httpSeconds = 10.0;
        var journal = false;
        int[] journalAppenders = [1, 16, 64];
        double[] journalWindows = [2, 0];
        var journalSeconds = 3.0;
        string? journalDirectory = null;
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
                case "--http": http = true; break;
                case "--http-concurrency": httpConcurrency = Next().Split(',').Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--http-seconds": httpSeconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--journal": journal = true; break;
                case "--journal-appenders": journalAppenders = Next().Split(',').Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--journal-windows": journalWindows = Next().Split(',').Select(d => double.Parse(d, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--journal-seconds": journalSeconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--journal-dir": journalDirectory = Next(); break;
                case "--quick": n = 5_000; latency = 200; depths = [10_000, 100_000]; snapshotSizes = [2_000, 20_000]; httpSeconds = 2; journalSeconds = 1; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        if (snapshotSizes.Any(size => size < 1)) throw new ArgumentException("--snapshot-sizes must be positive");
        if (httpConcurrency.Length == 0 || httpConcurrency.Any(c => c < 1)) throw new ArgumentException("--http-concurrency must be positive");
        if (httpSeconds <= 0) throw new ArgumentException("--http-seconds must be positive");
        if (journalAppenders.Length == 0 || journalAppenders.Any(c => c < 1)) throw new ArgumentException("--journal-appenders must be positive");
        if (journalWindows.Length == 0 || journalWindows.Any(w => w is < 0 or > 1000)) throw new ArgumentException("--journal-windows must be 0–1000 ms");
        if (journalSeconds <= 0) throw new ArgumentException("--journal-seconds must be positive");
        return new BenchSettings(n, latency, depths, stores, redis, snapshots, snapshotSizes, http, httpConcurrency, httpSeconds, events,
            journal, journalAppenders, journalWindows, journalSeconds, journalDirectory);
    }
}
