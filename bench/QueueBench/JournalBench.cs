using Microsoft.Extensions.Logging.Abstractions;
using QueueService.Stores.Failover;
using QueueService.Tasks;

namespace QueueBench;

/// <summary>One row of the journal bench.</summary>
internal sealed record JournalFigures(TimeSpan Window, int Appenders, long Appends, double Seconds, long Commits,
    double P50Ms, double P99Ms, double MaxMs)
{
    public double AppendsPerSecond => Appends / Seconds;
    public double EntriesPerCommit => Commits == 0 ? double.NaN : (double)Appends / Commits;
}

/// <summary>
/// The failover journal's durable appends (<c>--journal</c>): for each commit window and number of concurrent
/// appenders, every appender appends one task after another for <c>--journal-seconds</c>, each awaited until
/// written and fsynced. The journal lives in a fresh folder under <c>--journal-dir</c> (default the system temp
/// folder; it must be on a real disk for the fsync figures to mean anything).
/// </summary>
internal sealed class JournalBench(BenchSettings settings)
{
    private static readonly string Payload = $$"""{"audioUrl":"https://media.example.com/{{new string('a', 120)}}.wav","language":"en-US"}""";

    public async Task<List<JournalFigures>> RunAsync()
    {
        var figures = new List<JournalFigures>();
        foreach (var window in settings.JournalWindows)
            foreach (var appenders in settings.JournalAppenders)
                figures.Add(await RunOneAsync(window, appenders));
        return figures;
    }

    private async Task<JournalFigures> RunOneAsync(TimeSpan window, int appenders)
    {
        var folder = Path.Combine(settings.JournalDirectory ?? Path.GetTempPath(), "rq-journal-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new FailoverOptions { CommitWindow = window };
            await using var journal = await FailoverJournal.OpenAsync(Path.Combine(folder, "journal.rqj"), options, TimeProvider.System, NullLogger.Instance);
            // Warm-up: JIT and the file's first blocks, not measured.
            for (var i = 0; i < 20; i++) await journal.AppendAsync(Entry($"warm-{i}"));
            var commitsBefore = journal.CommitCount;
            var latencies = new List<double>[appenders];
            var duration = settings.JournalDuration;
            var start = TimeProvider.System.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, appenders).Select(a => Task.Run(async () =>
            {
                var mine = latencies[a] = new List<double>(4096);
                for (var i = 0; TimeProvider.System.GetElapsedTime(start) < duration; i++)
                {
                    var began = TimeProvider.System.GetTimestamp();
                    await journal.AppendAsync(Entry($"{a}-{i}"));
                    mine.Add(Percentiles.Elapsed(began));
                }
            })));
            var seconds = TimeProvider.System.GetElapsedTime(start).TotalSeconds;
            var all = latencies.SelectMany(l => l).ToList();
            return new JournalFigures(window, appenders, all.Count, seconds, journal.CommitCount - commitsBefore,
                Percentiles.Of(all, 50), Percentiles.Of(all, 99), all.Max());
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private static JournalEntry Entry(string id) =>
        new(JournalEntryKind.Enqueued, id, TimeProvider.System.GetUtcNow(), new NewTask("transcription", Payload) { Id = id, Priority = 5 });

    public static void Print(List<JournalFigures> figures, BenchSettings settings)
    {
        var table = new Table($"Failover journal: durable appends ({settings.JournalDuration.TotalSeconds:0.#} s per row, one task of ~{Payload.Length + 60} bytes per append; latency in ms)",
            "commit window", "concurrent appenders", "appends", "appends/s", "fsyncs/s", "entries per fsync", "p50", "p99", "max");
        foreach (var f in figures)
            table.Add($"{f.Window.TotalMilliseconds:0.###} ms", f.Appenders, f.Appends, f.AppendsPerSecond, f.Commits / f.Seconds, f.EntriesPerCommit, f.P50Ms, f.P99Ms, f.MaxMs);
        table.Print();
    }
}
