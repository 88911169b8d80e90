using System.Diagnostics;
using QueueService.Tasks;
using QueueService.Tests.Snapshots;
using QueueService.Tests.Support;
using SystemTests.Support;
using Xunit.Abstractions;

namespace SystemTests;

/// <summary>Two API replicas on one Redis, each with its own backups folder: the store lock <c>backup</c> elects one periodic writer.</summary>
public sealed class PeriodicBackupTests(ITestOutputHelper output)
{
    private const int PeriodsWatched = 3;
    private const int TaskCount = 5;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    // The lock outlives its holder's last renewal by 1.5 intervals, so a writer's tick may run half an interval late
    // before the other API can take the lock: 1 s of slack at 2 s (a 1 s interval's 0.5 s was not enough under load).
    // The survivor's next tick takes it at most one interval later: 2.5 intervals. The rest is timer ticks running
    // late on a busy 2-core machine (3.5 s seen under load).
    private static readonly TimeSpan TakeoverBound = Interval * 2.5 + TimeSpan.FromSeconds(5);

    private static Dictionary<string, string?> Settings(string backups) => new()
    {
        ["BACKUP_DIR"] = backups,
        ["BACKUP_INTERVAL"] = Interval.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [BackupLog.DebugLogging] = "Debug", // the loser's "lock held elsewhere" line, once per period
    };

    [Fact]
    public async Task OnlyTheLockHolderWritesPeriodicBackups_AndTheOtherApiTakesOver_WhenTheWriterIsKilled()
    {
        await using var system = await QueueSystem.StartAsync();
        await system.EnqueueAsync(Enumerable.Range(0, TaskCount).Select(i => new NewTask("risk-detection", $$"""{"text": "message {{i}}"}""")).ToArray());
        using var folderA = new TempFolder();
        using var folderB = new TempFolder();
        string[] folders = [folderA.Path, folderB.Path];
        // Both folders are empty: neither API restores at start, so every backup before a stop is a periodic one.
        var apis = await system.StartApisAsync([Settings(folderA.Path), Settings(folderB.Path)]);

        var writerIndex = await Eventually.MatchAsync(
            _ => Task.FromResult(Enumerable.Range(0, apis.Count).FirstOrDefault(i => BackupLog.Backups(apis[i].Process.Lines, "periodic").Count >= PeriodsWatched, -1)),
            index => index >= 0, Patience, $"one API should write a periodic backup every {Interval.TotalSeconds} s");
        var (writer, idle) = (apis[writerIndex], apis[1 - writerIndex]);
        var (writerFolder, idleFolder) = (folders[writerIndex], folders[1 - writerIndex]);

        // The other API may have started a period or two later (start-ups race on two cores): wait for its own periods.
        await Eventually.TrueAsync(_ => Task.FromResult(WorkerLog.Count(idle.Process.Lines, BackupLog.LockHeldElsewhere) >= PeriodsWatched - 1),
            Patience, "the other API should try every period and find the lock held");
        BackupLog.Backups(idle.Process.Lines).Should().BeEmpty("only the holder of the backup lock writes periodic backups. Its log:\n" + idle.Process.Output);
        SnapshotFiles(idleFolder).Should().BeEmpty();
        BackupLog.Backups(writer.Process.Lines).Should().OnlyContain(b => b.Reason == "periodic" && b.Tasks == TaskCount
            && Path.GetDirectoryName(b.File) == writerFolder, "the writer backs up the whole store into its own folder");
        SnapshotFiles(writerFolder).Should().NotBeEmpty();

        writer.Process.KillHard();
        (await writer.Process.WaitForExitAsync(Patience)).Should().Be(137, "SIGKILL ends a process with 128 + 9");
        var clock = Stopwatch.StartNew();
        await idle.Process.WaitForLineAsync(l => l.Contains("Backup (periodic) written", StringComparison.Ordinal), TakeoverBound,
            "the other API should take the lock once its holder stops renewing it");
        output.WriteLine($"The surviving API wrote its first periodic backup {clock.ElapsedMilliseconds} ms after the writer was killed");
        SnapshotFiles(idleFolder).Should().NotBeEmpty();
    }

    private static string[] SnapshotFiles(string folder) => Directory.GetFiles(folder, "*.rqsnap");
}
