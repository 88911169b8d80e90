using System.Globalization;

namespace QueueBench;

/// <summary>Prints the tables of a snapshot run.</summary>
internal static class SnapshotReport
{
    public static void Print(IReadOnlyList<SnapshotFigures> results)
    {
        var backup = new Table("Backup (ms; pages read from the store and written to the file one after the other: reading is the time waiting for the store, the rest encodes, writes, fsyncs, renames)",
            "store", "tasks", "fill (s)", "reading the store", "encode + write", "file size (bytes)", "total");
        foreach (var b in results.SelectMany(r => r.Backups))
            backup.Add(b.Store, Count(b.Tasks), b.FillMs / 1000, b.ExportMs, b.WriteMs, Count(b.FileBytes), b.TotalMs);
        backup.Print();

        var restore = new Table("Restore (ms; read and decode the newest file, import into an empty store)",
            "store", "tasks", "read + decode", "import", "total", "restored (checked = original)");
        foreach (var r in results.SelectMany(r => r.Restores))
            restore.Add(r.Store, Count(r.Tasks), r.ReadMs, r.ImportMs, r.TotalMs, Count(r.Restored));
        restore.Print();

        var stalls = results.SelectMany(r => r.Stalls).ToList();
        if (stalls.Count > 0)
        {
            var stall = new Table($"Single enqueues during a backup of {Count(stalls.Max(s => s.Tasks))} tasks (ms; one call at a time, 1 ms apart)",
                "store", "backup running", "window (s)", "calls", "p50", "p99", "max (longest stall)", "longest gap between calls",
                "GC pauses in window (total)", "full GCs", "Redis busy in scripts");
            foreach (var s in stalls)
                stall.Add(s.Store, s.DuringBackup ? "yes" : "no", s.WindowMs / 1000, Count(s.Calls), s.P50Ms, s.P99Ms, s.MaxMs, s.LongestGapMs,
                    s.Gc.PauseMs, s.Gc.Gen2Count, s.ServerBusyMs is { } busy ? $"{busy.ToString("N0", CultureInfo.InvariantCulture)} ({busy / s.WindowMs:P0})" : "n/a");
            stall.Print();
        }

        var memory = new Table("Process memory during a backup and while reading the file (MiB; working set at the start, peaks sampled every 5 ms)",
            "store", "tasks", "phase", "working set at start", "peak working set", "peak managed heap", "allocated");
        foreach (var r in results)
        {
            foreach (var b in r.Backups) AddMemory(memory, b.Store, b.Tasks, "backup", b.WriteMemory);
            foreach (var x in r.Restores) AddMemory(memory, x.Store, x.Tasks, "read + decode", x.ReadMemory);
        }
        memory.Print();
    }

    private static void AddMemory(Table table, string store, int tasks, string phase, MemoryFigures m) =>
        table.Add(store, Count(tasks), phase, m.StartWorkingSetMb, m.PeakWorkingSetMb, m.PeakHeapMb, m.AllocatedMb);

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
