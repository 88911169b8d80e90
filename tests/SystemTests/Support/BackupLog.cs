using System.Globalization;
using System.Text.RegularExpressions;

namespace SystemTests.Support;

/// <summary>A backup an API process logged (<c>BackupService.LogBackup</c>).</summary>
/// <param name="Reason"><c>periodic</c>, <c>shutdown</c>, <c>after restore</c>, or an on-demand reason.</param>
/// <param name="File">The snapshot file's full path.</param>
/// <param name="Tasks">Tasks in it.</param>
internal sealed record BackupLine(string Reason, string File, int Tasks);

/// <summary>A start-up restore an API process logged (<c>BackupService.LogRestore</c>).</summary>
internal sealed record RestoreLine(string File, int Tasks, int Imported, int Skipped, int Requeued);

/// <summary>A snapshot file the API refused and moved aside (<c>SnapshotDirectory.Quarantine</c>).</summary>
internal sealed record RefusedLine(string FileName, string Reason, string Detail, string QuarantinedAs);

/// <summary>
/// Reads the backup service's facts out of an API process's console log (Serilog's console sink:
/// one line per message; only the message text is matched).
/// </summary>
internal static partial class BackupLog
{
    /// <summary>The text of the line a periodic skip logs at Debug, when another process holds the backup lock.</summary>
    public const string LockHeldElsewhere = "Another process holds the backup lock";

    /// <summary>Turns the backup service's Debug lines on (the periodic skip above).</summary>
    public const string DebugLogging = "Serilog__MinimumLevel__Override__QueueService.Snapshots.BackupService";

    /// <summary>The backups logged, in log order; only those of <paramref name="reason"/> when given.</summary>
    public static IReadOnlyList<BackupLine> Backups(IEnumerable<string> lines, string? reason = null) =>
        lines.Select(line => BackupPattern().Match(line)).Where(m => m.Success)
            .Select(m => new BackupLine(m.Groups["reason"].Value, m.Groups["file"].Value, Int(m, "tasks")))
            .Where(b => reason is null || b.Reason == reason).ToArray();

    /// <summary>The restores logged (at most one per process).</summary>
    public static IReadOnlyList<RestoreLine> Restores(IEnumerable<string> lines) =>
        lines.Select(line => RestorePattern().Match(line)).Where(m => m.Success)
            .Select(m => new RestoreLine(m.Groups["file"].Value, Int(m, "tasks"), Int(m, "imported"), Int(m, "skipped"), Int(m, "requeued")))
            .ToArray();

    /// <summary>The snapshot files refused and quarantined, in log order.</summary>
    public static IReadOnlyList<RefusedLine> Refused(IEnumerable<string> lines) =>
        lines.Select(line => RefusedPattern().Match(line)).Where(m => m.Success)
            .Select(m => new RefusedLine(m.Groups["file"].Value, m.Groups["reason"].Value, m.Groups["detail"].Value, m.Groups["target"].Value))
            .ToArray();

    private static int Int(Match match, string group) => int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Backup \((?<reason>[^)]+)\) written to (?<file>\S+): (?<tasks>\d+) tasks,")]
    private static partial Regex BackupPattern();

    [GeneratedRegex(@"Restored snapshot (?<file>\S+) \((?<tasks>\d+) tasks\): (?<imported>\d+) imported, (?<skipped>\d+) already present, (?<requeued>\d+) running ones queued again")]
    private static partial Regex RestorePattern();

    [GeneratedRegex(@"Snapshot (?<file>\S+) refused \((?<reason>\w+): (?<detail>.*)\); moved to (?<target>\S+)$")]
    private static partial Regex RefusedPattern();
}
