using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using QueueService.Snapshots;
using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Tasks;
using QueueService.Tests.Snapshots;
using QueueService.Tests.Support;
using SystemTests.Support;

namespace SystemTests;

/// <summary>
/// The API's start-up restore with real processes: it restores exactly when the store lost its state
/// (Redis wiped, or the in-memory store), never over a Redis that still holds it, and survives bad files.
/// </summary>
public sealed class RestoreTests
{
    private static readonly string[] Queues = ["transcription", "risk-detection"];
    private static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(30);
    // Long enough that neither the API's reaper nor the clock interferes while the test holds a lease.
    private static readonly TimeSpan LongLease = TimeSpan.FromHours(1);

    // No embedded workers: the embedded API would otherwise start running the restored tasks at once.
    private static Dictionary<string, string?> Settings(string backups) => new() { ["BACKUP_DIR"] = backups, ["QUEUE_EMBEDDED_WORKERS"] = "0" };

    [Fact]
    public async Task Restart_RestoresEveryTaskWithItsIdPriorityAndPlace_WhenRedisLostItsData()
    {
        await using var system = await QueueSystem.StartAsync();
        using var backups = new TempFolder();
        var api = (await system.StartApisAsync([Settings(backups.Path)]))[0];
        var (tasks, ids) = await EnqueueMixedAsync(system, count: 24, seed: 2);
        var scheduled = (await system.Store.EnqueueAsync(new NewTask("risk-detection", """{"text": "later"}""") { Delay = TimeSpan.FromHours(1) })).Id;
        // The three at the head of the line: one stays processing, two complete.
        var head = await system.Store.LeaseAsync("before-the-wipe", Queues, 3, LongLease);
        var running = head[0].TaskId;
        foreach (var lease in head.Skip(1)) await system.Store.CompleteAsync(lease, """{"ok": true}""");
        var failed = (await system.Store.LeaseAsync("before-the-wipe", Queues, 1, LongLease))[0];
        await system.Store.FailAsync(failed, new TaskFailure("broken input", IsRetryable: false));
        var cancelled = ids.Last(id => head.All(l => l.TaskId != id) && id != failed.TaskId);
        await system.Store.CancelAsync(cancelled);
        var all = ids.Append(scheduled).ToArray();
        var before = (await system.GetAllAsync(all)).ToDictionary(t => t.Id);
        before[running].Status.Should().Be(QueueTaskStatus.Processing);
        var epoch = await system.Store.GetEpochAsync();

        await api.StopAsync(StopPatience);
        var backup = BackupLog.Backups(api.Process.Lines).Should().ContainSingle("an API with an empty folder restores nothing, so its only backup is the shutdown one")
            .Which;
        backup.Should().Match<BackupLine>(b => b.Reason == "shutdown" && b.Tasks == all.Length);

        system.Redis.Kill();
        system.Redis.DeleteData();
        await system.Redis.StartAgainAsync();
        (await system.Store.GetStatsAsync()).Totals.Should().Be(StatusCounts.Zero, "Redis came back empty");
        (await system.Store.GetEpochAsync()).Should().BeNull();

        var restarted = (await system.StartApisAsync([Settings(backups.Path)]))[0];
        BackupLog.Restores(restarted.Process.Lines).Should().ContainSingle().Which.Should().Be(
            new RestoreLine(backup.File, all.Length, Imported: all.Length, Skipped: 0, Requeued: 0),
            "the redo log holds the API's submissions, so the running task is held for its worker, not queued again");
        BackupLog.Backups(restarted.Process.Lines, "after restore").Should().ContainSingle().Which.Tasks.Should().Be(all.Length);
        (await system.Store.GetEpochAsync()).Should().Be(epoch, "Redis takes the snapshot's epoch, so the next restart finds it authoritative");

        var after = (await system.GetAllAsync(all)).ToDictionary(t => t.Id);
        foreach (var id in all.Where(id => id != running))
            after[id].Should().BeEquivalentTo(before[id], o => o.Excluding(t => t.QueuePosition).Excluding(t => t.EstimatedWait),
                "task {0} comes back exactly as it was", id);
        after[running].Should().Match<QueueTask>(t => t.Status == QueueTaskStatus.Processing && t.Attempts == 1 && t.WorkerId == "before-the-wipe"
            && t.LeaseExpiresAt > DateTimeOffset.UtcNow && t.LeaseExpiresAt < DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1),
            "a task that was running comes back under its worker's lease, renewed for one lease duration (30 s), not the hour it had");
        // Its worker does not know it any more (it is this test): reconciling, a worker hands such a lease back.
        (await system.Store.ListLeasesAsync("before-the-wipe")).Should().ContainSingle().Which.LeaseToken.Should().Be(head[0].LeaseToken);
        await system.Store.ReleaseAsync(head[0]);
        (await system.Store.GetAsync(running))!.Should().Match<QueueTask>(t => t.Status == QueueTaskStatus.Queued && t.Attempts == 0,
            "handed back, it is queued at its place with the attempt not counted");

        // The run order: by priority, then enqueue order, the formerly running task at its old place. A task
        // enqueued now goes behind every restored task of its priority: the sequence continued above the snapshot's.
        var latecomer = (await system.Store.EnqueueAsync(new NewTask("transcription", """{"audioPath": "late.wav"}""") { Priority = 100 })).Id;
        var expected = ids.Select((id, index) => (id, index, tasks[index].Priority))
            .Where(t => before[t.id].Status is QueueTaskStatus.Queued or QueueTaskStatus.Processing)
            .Append((id: latecomer, index: ids.Count, Priority: 100))
            .OrderByDescending(t => t.Priority).ThenBy(t => t.index).Select(t => t.id).ToArray();
        (await LeaseAllAsync(system)).Should().Equal(expected, "the restored line runs in the order it had");
    }

    [Fact]
    public async Task Restart_RestoresNothing_WhenRedisStillHoldsTheSnapshotsEpoch()
    {
        await using var system = await QueueSystem.StartAsync();
        using var backups = new TempFolder();
        var api = (await system.StartApisAsync([Settings(backups.Path)]))[0];
        var (_, ids) = await EnqueueMixedAsync(system, count: 12, seed: 3);
        var finishedBefore = await CompleteNextAsync(system, 3);
        await api.StopAsync(StopPatience);
        var backup = BackupLog.Backups(api.Process.Lines, "shutdown").Should().ContainSingle().Which;
        backup.Tasks.Should().Be(ids.Count);

        // Redis moves on after the backup: tasks that were queued in it finish, and every finished task is purged.
        var finishedAfter = await CompleteNextAsync(system, 4);
        // The purge takes what finished strictly before Redis's current millisecond: poll, not sleep, for the last one.
        var purgedCount = 0L;
        await Eventually.MatchAsync(async ct => purgedCount += await system.Store.PurgeFinishedAsync(TimeSpan.Zero, cancellationToken: ct),
            total => total == 7, TimeSpan.FromSeconds(5), "every finished task should be purged");
        var purged = finishedBefore.Concat(finishedAfter).ToArray();
        var remaining = ids.Except(purged).ToArray();

        var restarted = (await system.StartApisAsync([Settings(backups.Path)]))[0];
        restarted.Process.Lines.Should().Contain(l => l.Contains("still holds epoch", StringComparison.Ordinal)
            && l.Contains(backup.File, StringComparison.Ordinal) && l.Contains("it is authoritative, nothing restored", StringComparison.Ordinal));
        BackupLog.Restores(restarted.Process.Lines).Should().BeEmpty();
        BackupLog.Backups(restarted.Process.Lines).Should().BeEmpty("nothing was restored, so no backup follows one");

        foreach (var id in purged) (await system.Store.GetAsync(id)).Should().BeNull("purged task {0} stays gone", id);
        (await system.Store.GetStatsAsync()).Totals.Should().Be(StatusCounts.Zero with { Queued = remaining.Length });
        var leased = await LeaseAllAsync(system);
        leased.Should().OnlyHaveUniqueItems().And.BeEquivalentTo(remaining, "each remaining task is there once, and nothing else");
    }

    [Fact]
    public async Task EmbeddedApi_QuarantinesTheBadNewerFiles_AndRestoresTheOlderGoodOne_WhenItsNewestSnapshotsAreCorrupt()
    {
        using var backups = new TempFolder();
        // The embedded API has no endpoint to add tasks yet: the state is built in an in-memory store here and
        // written by the product's own SnapshotDirectory, as the API's backup would write it.
        var store = new InMemoryQueueStore(new QueueStoreOptions(), TimeProvider.System);
        await store.EnqueueBatchAsync(Enumerable.Range(0, 10)
            .Select(i => new NewTask("risk-detection", $$"""{"text": "message {{i}}"}""") { Priority = i % 3 * 10 }).ToArray());
        var leases = await store.LeaseAsync("before-the-crash", ["risk-detection"], 2, LongLease);
        await store.CompleteAsync(leases[1], null);
        var files = new SnapshotDirectory(backups.Path, NullLogger<SnapshotDirectory>.Instance, TimeProvider.System);
        var snapshot = await store.ExportAsync();
        var good = files.Write(snapshot);
        var truncated = files.Write(snapshot); // each write is named after the previous one: newer
        var foreign = files.Write(snapshot);
        using (var file = new FileStream(truncated.Path, FileMode.Open)) file.SetLength(file.Length / 2);
        await File.WriteAllTextAsync(foreign.Path, "{\"not\": \"a snapshot\"}");

        await using var api = await ApiProcess.StartAsync(Settings(backups.Path));

        var refused = BackupLog.Refused(api.Process.Lines);
        refused.Select(r => (r.FileName, r.Reason)).Should().Equal(
            [(Path.GetFileName(foreign.Path), nameof(SnapshotFileErrorKind.Foreign)), (Path.GetFileName(truncated.Path), nameof(SnapshotFileErrorKind.TruncatedBody))],
            "the newest files are tried first, each refused with its reason");
        refused.Should().OnlyContain(r => r.Detail.Length > 0 && r.QuarantinedAs == Path.Combine(backups.Path, SnapshotDirectory.QuarantineFolder, r.FileName));
        refused.Should().OnlyContain(r => File.Exists(r.QuarantinedAs));
        File.Exists(truncated.Path).Should().BeFalse();
        File.Exists(foreign.Path).Should().BeFalse();
        BackupLog.Restores(api.Process.Lines).Should().ContainSingle().Which.Should().Be(
            new RestoreLine(good.Path, 10, Imported: 10, Skipped: 0, Requeued: 1));

        using var stats = JsonDocument.Parse(await api.GetStringAsync("/stats"));
        var totals = stats.RootElement.GetProperty("totals");
        (totals.GetProperty("queued").GetInt64(), totals.GetProperty("processing").GetInt64(), totals.GetProperty("completed").GetInt64())
            .Should().Be((9L, 0L, 1L), "the store holds the good snapshot's tasks, the running one queued again");
    }

    /// <summary>Enqueues <paramref name="count"/> tasks over both queues with mixed priorities, in one batch.</summary>
    private static async Task<(NewTask[] Tasks, IReadOnlyList<string> Ids)> EnqueueMixedAsync(QueueSystem system, int count, int seed)
    {
        int[] priorities = [0, 10, 50, 100];
        var random = new Random(seed);
        var tasks = Enumerable.Range(0, count).Select(i => new NewTask(Queues[i % 2], $$"""{"text": "message {{i}}"}""")
        {
            Priority = priorities[random.Next(priorities.Length)],
        }).ToArray();
        return (tasks, await system.EnqueueAsync(tasks));
    }

    private static async Task<string[]> CompleteNextAsync(QueueSystem system, int count)
    {
        var leases = await system.Store.LeaseAsync("test", Queues, count, LongLease);
        leases.Should().HaveCount(count);
        foreach (var lease in leases) await system.Store.CompleteAsync(lease, null);
        return leases.Select(l => l.TaskId).ToArray();
    }

    /// <summary>Leases queued tasks one at a time until none is left and returns their ids in lease order.</summary>
    private static async Task<List<string>> LeaseAllAsync(QueueSystem system)
    {
        var order = new List<string>();
        while ((await system.Store.LeaseAsync("order-check", Queues, 1, LongLease)) is [var lease])
            order.Add(lease.TaskId);
        return order;
    }
}
