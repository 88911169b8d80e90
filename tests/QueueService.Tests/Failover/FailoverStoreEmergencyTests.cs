using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using QueueService.Snapshots;
using QueueService.Stores;
using QueueService.Stores.Failover;
using QueueService.Stores.Memory;
using QueueService.Tasks;
using QueueService.Tests.Support;

namespace QueueService.Tests.Failover;

/// <summary>The emergency snapshot: the journal folded into a snapshot of the outage's tasks, read back at start, drained, deleted.</summary>
public sealed class FailoverStoreEmergencyTests : IAsyncLifetime
{
    private FailoverStoreHarness _h = null!;

    public async Task InitializeAsync() => _h = await FailoverStoreHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static NewTask Task(int n, int priority = 0) => new("alpha", $$"""{"n":{{n}}}""") { Priority = priority };

    private SnapshotDirectory Folder => new(_h.EmergencyFolder, NullLogger<SnapshotDirectory>.Instance, TimeProvider.System, keep: 2);

    private static FailoverOptions Emergency(int afterEntries = 1000) =>
        new() { EmergencySnapshotAfterEntries = afterEntries, EmergencySnapshotInterval = TimeSpan.FromHours(1) };

    private async Task<IReadOnlyList<JournalEntry>> JournalOnDiskAsync()
    {
        await using var journal = await FailoverJournal.OpenAsync(_h.JournalPath, new FailoverOptions(), TimeProvider.System, NullLogger.Instance);
        return journal.Replayed;
    }

    private static long Total(QueueStats stats) =>
        stats.Totals.Queued + stats.Totals.Scheduled + stats.Totals.Processing + stats.Totals.Completed + stats.Totals.Failed + stats.Totals.Cancelled;

    [Fact]
    public async Task Outage_FoldsTheJournalIntoAnEmergencySnapshot_OnceItHoldsEnoughEntries()
    {
        var store = await _h.OpenStoreAsync(emergency: Emergency(afterEntries: 5));
        await _h.StopRedisAsync();
        var ids = new List<string> { (await store.EnqueueAsync(Task(0))).Id };
        store.Kind.Should().Be("memory-fallback");
        await Eventually.TrueAsync(_ => System.Threading.Tasks.Task.FromResult(store.EmergencySnapshotCount >= 1),
            FailoverStoreHarness.Within, "the failover itself writes an emergency snapshot");
        var afterFailover = store.EmergencySnapshotCount;

        for (var i = 1; i <= 5; i++) ids.Add((await store.EnqueueAsync(Task(i))).Id);

        await Eventually.TrueAsync(ct => System.Threading.Tasks.Task.FromResult(
                store.EmergencySnapshotCount > afterFailover && store.JournalCount == 0
                && Folder.ReadNewestValid(ct) is { IsFound: true } found && found.Snapshot.Tasks.Count == 6),
            FailoverStoreHarness.Within, "the probe folds the journal into the emergency snapshot once it holds 5 entries, while Redis stays away");
        Folder.ReadNewestValid().Snapshot!.Tasks.Select(t => t.Id).Should().BeEquivalentTo(ids);
        (await store.GetAsync(ids[5]))!.Status.Should().Be(QueueTaskStatus.Queued, "the tasks are still served from memory");
        _h.Log.Entries.Should().Contain(e => e.Level == LogLevel.Information
            && e.Message.StartsWith("Emergency snapshot (the journal holds", StringComparison.Ordinal), "the threshold, not a period, wrote it");
        _h.Log.Entries.Should().NotContain(e => e.Message.StartsWith("Emergency snapshot (periodic", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Outage_LogsOneErrorAndBacksOff_WhenTheEmergencySnapshotCannotBeWritten_AndTheJournalKeepsEverything()
    {
        var store = await _h.OpenStoreAsync(emergency: Emergency(afterEntries: 1));
        // A file where the emergency folder should be: every write fails with an IOException (as root, permissions would not).
        await File.WriteAllTextAsync(_h.EmergencyFolder, "not a folder");
        await _h.StopRedisAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add((await store.EnqueueAsync(Task(i))).Id);
        store.Kind.Should().Be("memory-fallback");

        static bool Failed((LogLevel Level, string Message, IReadOnlyDictionary<string, object?> _) e) =>
            e.Level == LogLevel.Error && e.Message.StartsWith("The emergency snapshot could not be written", StringComparison.Ordinal);
        await Eventually.TrueAsync(_ => System.Threading.Tasks.Task.FromResult(
                _h.Log.Entries.Any(e => e.Level == LogLevel.Debug && e.Message.StartsWith("The emergency snapshot still cannot be written", StringComparison.Ordinal))),
            FailoverStoreHarness.Within, "the write is tried again after its back-off, and fails again");

        _h.Log.Entries.Count(Failed).Should().Be(1, "one Error for the streak, not one per probe tick");
        store.EmergencySnapshotCount.Should().Be(0);
        store.JournalCount.Should().BeGreaterThanOrEqualTo(3, "the journal keeps every change while no snapshot can replace it");
        foreach (var id in ids) (await store.GetAsync(id))!.Status.Should().Be(QueueTaskStatus.Queued);
    }

    [Fact]
    public async Task GracefulStop_DuringAnOutage_FoldsTheJournalIntoTheSnapshot_AndTheNextStartDrainsIt()
    {
        var first = await _h.OpenStoreAsync(emergency: Emergency());
        await _h.StopRedisAsync();
        var ids = new List<string> { (await first.EnqueueAsync(Task(0))).Id };
        await Eventually.TrueAsync(_ => System.Threading.Tasks.Task.FromResult(first.EmergencySnapshotCount >= 1),
            FailoverStoreHarness.Within, "the failover itself writes an emergency snapshot");
        for (var i = 1; i <= 3; i++) ids.Add((await first.EnqueueAsync(Task(i, priority: i * 10))).Id);
        await first.CancelAsync(ids[1]);
        first.JournalCount.Should().BeGreaterThanOrEqualTo(4, "the submissions after the first snapshot and the cancel are in the journal");

        await first.DisposeAsync();
        (await JournalOnDiskAsync()).Should().BeEmpty("the stop folded the journal into the snapshot");
        var folded = Folder.ReadNewestValid();
        folded.Snapshot!.Tasks.Select(t => t.Id).Should().BeEquivalentTo(ids);
        folded.Snapshot.Tasks.Single(t => t.Id == ids[1]).Status.Should().Be("cancelled");

        var second = await _h.OpenStoreAsync(emergency: Emergency());
        second.Kind.Should().Be("memory-fallback", "the emergency snapshot's tasks are served from memory until Redis answers");
        (await second.GetAsync(ids[3]))!.Priority.Should().Be(30);
        await _h.StartRedisAsync();
        await FailoverStoreHarness.WaitForRedisModeAsync(second);

        var redis = _h.Redis;
        foreach (var id in ids) (await redis.GetAsync(id)).Should().NotBeNull();
        (await redis.GetAsync(ids[1]))!.Status.Should().Be(QueueTaskStatus.Cancelled);
        Total(await redis.GetStatsAsync()).Should().Be(4, "each task drained once");
        Directory.EnumerateFiles(_h.EmergencyFolder).Should().BeEmpty("the snapshot's tasks are in Redis: it is deleted");
    }

    [Fact]
    public async Task Start_AppliesTheSnapshotThenTheJournal_WhenACrashLeftBoth()
    {
        // A crash between writing the snapshot and emptying the journal: the journal repeats what the snapshot holds.
        var memory = new InMemoryQueueStore(new QueueStoreOptions(), TimeProvider.System);
        var tasks = Enumerable.Range(0, 5).Select(i => Task(i) with { Id = $"crash-{i}" }).ToList();
        await memory.EnqueueBatchAsync(tasks[..3]);
        await memory.CancelAsync("crash-1");
        Folder.Write(await memory.ExportAsync());
        await using (var journal = await FailoverJournal.OpenAsync(_h.JournalPath, new FailoverOptions(), TimeProvider.System, NullLogger.Instance))
        {
            foreach (var task in tasks) await journal.AppendAsync(new JournalEntry(JournalEntryKind.Enqueued, task.Id!, DateTimeOffset.UtcNow, task));
            await journal.AppendAsync(new JournalEntry(JournalEntryKind.Cancelled, "crash-1", DateTimeOffset.UtcNow));
            await journal.AppendAsync(new JournalEntry(JournalEntryKind.Cancelled, "crash-4", DateTimeOffset.UtcNow));
        }

        var store = await _h.OpenStoreAsync(emergency: Emergency());
        await FailoverStoreHarness.WaitForRedisModeAsync(store);

        var redis = _h.Redis;
        Total(await redis.GetStatsAsync()).Should().Be(5, "the tasks in both the snapshot and the journal are applied once");
        (await redis.GetAsync("crash-1"))!.Status.Should().Be(QueueTaskStatus.Cancelled);
        (await redis.GetAsync("crash-4"))!.Status.Should().Be(QueueTaskStatus.Cancelled);
        foreach (var id in new[] { "crash-0", "crash-2", "crash-3" }) (await redis.GetAsync(id))!.Status.Should().Be(QueueTaskStatus.Queued);
        Directory.EnumerateFiles(_h.EmergencyFolder).Should().BeEmpty();
        (await JournalOnDiskAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Start_QuarantinesACorruptEmergencySnapshot_AndStillDrainsTheJournal()
    {
        Directory.CreateDirectory(_h.EmergencyFolder);
        var corrupt = Path.Combine(_h.EmergencyFolder, SnapshotFileName.Format(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        await File.WriteAllBytesAsync(corrupt, [.. SnapshotFile.Magic, .. new byte[64]]);
        var task = Task(7) with { Id = "journalled" };
        await using (var journal = await FailoverJournal.OpenAsync(_h.JournalPath, new FailoverOptions(), TimeProvider.System, NullLogger.Instance))
            await journal.AppendAsync(new JournalEntry(JournalEntryKind.Enqueued, task.Id!, DateTimeOffset.UtcNow, task));

        var store = await _h.OpenStoreAsync(emergency: Emergency());
        await FailoverStoreHarness.WaitForRedisModeAsync(store);

        (await _h.Redis.GetAsync("journalled"))!.Status.Should().Be(QueueTaskStatus.Queued);
        File.Exists(corrupt).Should().BeFalse("a corrupt snapshot is moved aside, never read as tasks");
        Directory.EnumerateFiles(Path.Combine(_h.EmergencyFolder, SnapshotDirectory.QuarantineFolder)).Should().ContainSingle();
    }
}
