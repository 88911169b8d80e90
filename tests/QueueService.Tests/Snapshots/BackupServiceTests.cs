using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using QueueService.Snapshots;
using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Stores.Redis;
using QueueService.Tasks;
using QueueService.Tests.Fixtures;
using QueueService.Tests.Support;
using StackExchange.Redis;

namespace QueueService.Tests.Snapshots;

/// <summary>The restore rules and the backup triggers, on real stores and real files.</summary>
public sealed class BackupServiceTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IDisposable
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(15);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private BackupService NewService(IQueueStore store, ILogger<BackupService>? logger = null, TimeSpan? interval = null, string? folder = null) =>
        new(store, new SnapshotDirectory(folder ?? _folder.Path, NullLogger<SnapshotDirectory>.Instance, TimeProvider.System),
            Options.Create(new SnapshotOptions { BackupInterval = interval ?? TimeSpan.FromMinutes(5) }), TimeProvider.System,
            logger ?? NullLogger<BackupService>.Instance);

    private static async Task<List<string>> FillAsync(IQueueStore store, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
            ids.Add((await store.EnqueueAsync(new NewTask("alpha", $$"""{"n":{{i}}}""") { Priority = i % 3 * 40 })).Id);
        return ids;
    }

    private static async Task<List<string>> DrainOrderAsync(IQueueStore store)
    {
        var order = new List<string>();
        while ((await store.LeaseAsync("drain", ["alpha"], 1, TimeSpan.FromMinutes(1))) is [var lease]) order.Add(lease.TaskId);
        return order;
    }

    private async Task WipeNamespaceAsync(RedisQueueStore store)
    {
        // What FLUSHALL does to this namespace, without touching the other tests sharing the server.
        var server = redis.Connection.GetServers()[0];
        // Async SCAN: the synchronous one blocks a pool thread and timed out once in CI with the shared server busy.
        var keys = new List<StackExchange.Redis.RedisKey>();
        await foreach (var key in server.KeysAsync(pattern: store.KeyPrefix + "*", pageSize: 1000)) keys.Add(key);
        await redis.Connection.GetDatabase().KeyDeleteAsync([.. keys]);
    }

    [Fact]
    public async Task Starting_RestoresEverythingInOrder_WhenTheMemoryStoreStartsEmpty()
    {
        var before = new InMemoryQueueStore(new QueueStoreOptions(), TimeProvider.System);
        await FillAsync(before, 30);
        var snapshot = await before.ExportAsync();
        using (var first = NewService(before)) await first.BackupNowAsync("test");

        var after = new InMemoryQueueStore(new QueueStoreOptions(), TimeProvider.System);
        using var second = NewService(after);
        await second.StartingAsync(CancellationToken.None);

        second.RestoreSettled.Should().BeTrue();
        (await after.GetStatsAsync()).Totals.Queued.Should().Be(30);
        (await DrainOrderAsync(after)).Should().Equal(snapshot.Tasks.OrderBy(t => TaskScore.For(t.Priority, t.Seq)).Select(t => t.Id));
    }

    [Fact]
    public async Task Restore_ResurrectsNothing_WhenRedisStillHoldsTheSnapshotsEpoch()
    {
        await using var store = redis.CreateStore(RedisServerFixture.UniqueNamespace());
        await store.EnsureEpochAsync();
        var ids = await FillAsync(store, 10);
        using (var first = NewService(store)) await first.BackupNowAsync("test");
        // After the backup: one task finishes and is purged, so only the snapshot still has it.
        var lease = (await store.LeaseAsync("w", ["alpha"], 1, TimeSpan.FromMinutes(1))).Single();
        await store.CompleteAsync(lease, null);
        // A zero age purges what finished before the store's current millisecond: retry until it has.
        await Eventually.TrueAsync(async ct => await store.PurgeFinishedAsync(TimeSpan.Zero, cancellationToken: ct) == 1, Within,
            "the completed task should be purged");

        using var second = NewService(store);
        var result = await second.RestoreIfNeededAsync();

        result.Outcome.Should().Be(RestoreOutcome.StoreAuthoritative);
        (await store.GetAsync(lease.TaskId)).Should().BeNull("a task purged after the snapshot must not come back");
        (await store.GetStatsAsync()).Totals.Queued.Should().Be(9, "nothing is duplicated either");
        ids.Should().Contain(lease.TaskId);
    }

    [Fact]
    public async Task Restore_BringsEveryTaskBackInOrder_WhenRedisLostTheNamespace()
    {
        await using var store = redis.CreateStore(RedisServerFixture.UniqueNamespace());
        await store.EnsureEpochAsync();
        await FillAsync(store, 25);
        var snapshot = await store.ExportAsync();
        using (var first = NewService(store)) await first.BackupNowAsync("test");
        await WipeNamespaceAsync(store);
        (await store.GetEpochAsync()).Should().BeNull();

        using var second = NewService(store);
        await second.StartingAsync(CancellationToken.None);

        (await store.GetEpochAsync()).Should().Be(snapshot.Epoch, "an empty namespace takes the snapshot's epoch");
        (await DrainOrderAsync(store)).Should().Equal(
            snapshot.Tasks.OrderBy(t => TaskScore.For(t.Priority, t.Seq)).Select(t => t.Id));
        Directory.GetFiles(_folder.Path, "*.rqsnap").Should().HaveCount(2, "a restore is followed by a fresh backup");
    }

    [Fact]
    public async Task Restore_ImportsWithoutDuplicates_WhenRedisHoldsAnotherEpoch()
    {
        await using var store = redis.CreateStore(RedisServerFixture.UniqueNamespace());
        await store.EnsureEpochAsync();
        var ids = await FillAsync(store, 5);
        using (var first = NewService(store)) await first.BackupNowAsync("test");
        await WipeNamespaceAsync(store);
        // A worker restarted first and wrote a new epoch before the API came back.
        await store.EnsureEpochAsync();
        await store.EnqueueAsync(new NewTask("alpha", "{}") { Id = ids[0] });

        using var second = NewService(store);
        var result = await second.RestoreIfNeededAsync();

        result.Should().BeEquivalentTo(new { Outcome = RestoreOutcome.Restored, Imported = 4, Skipped = 1 });
        (await store.GetStatsAsync()).Totals.Queued.Should().Be(5);
    }

    [Fact]
    public async Task Restore_SkipsTheCorruptNewestFile_AndRestoresTheOlderOne()
    {
        var before = new InMemoryQueueStore(new QueueStoreOptions(), TimeProvider.System);
        await FillAsync(before, 3);
        using (var first = NewService(before)) await first.BackupNowAsync("test");
        File.WriteAllBytes(Path.Combine(_folder.Path, "snapshot-29991231T235959999Z.rqsnap"), [0x52, 0x51, 0x53]);

        var after = new InMemoryQueueStore(new QueueStoreOptions(), TimeProvider.System);
        using var second = NewService(after);
        var result = await second.RestoreIfNeededAsync();

        result.Outcome.Should().Be(RestoreOutcome.Restored);
        result.Imported.Should().Be(3);
        Directory.GetFiles(Path.Combine(_folder.Path, SnapshotDirectory.QuarantineFolder)).Should().ContainSingle();
    }

    [Fact]
    public async Task Execute_WritesNoBackupUntilTheRestoreIsSettled_WhenTheStoreIsDownAtStart()
    {
        var inner = new InMemoryQueueStore(new QueueStoreOptions(), TimeProvider.System);
        await FillAsync(inner, 4);
        using (var first = NewService(inner)) await first.BackupNowAsync("test");
        var (flaky, control) = FlakyStore.Wrap(new InMemoryQueueStore(new QueueStoreOptions(), TimeProvider.System),
            nameof(IQueueStore.GetEpochAsync), failures: 2);
        var logger = new ListLogger<BackupService>();
        using var service = NewService(flaky, logger, interval: TimeSpan.FromSeconds(1));

        await service.StartingAsync(CancellationToken.None);
        service.RestoreSettled.Should().BeFalse("the store did not answer");
        Directory.GetFiles(_folder.Path, "*.rqsnap").Should().ContainSingle("nothing may be written over the good snapshots meanwhile");
        await service.StartAsync(CancellationToken.None);

        await Eventually.TrueAsync(_ => Task.FromResult(service.RestoreSettled), Within, "the restore is retried in the background");
        (await flaky.GetStatsAsync()).Totals.Queued.Should().Be(4);
        control.Failed.Should().Be(2);
        await service.StopAsync(CancellationToken.None);
        logger.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains("unavailable at start-up", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_WritesOneShutdownBackup_AndEveryStopWaitsForIt_WhenTheHostIsStoppedTwiceAtOnce()
    {
        var store = new InMemoryQueueStore(new QueueStoreOptions(), TimeProvider.System);
        using var service = NewService(store);
        await service.StartingAsync(CancellationToken.None);
        await service.StartAsync(CancellationToken.None);
        await FillAsync(store, 20_000); // a backup long enough for the second stop to arrive during it
        var before = Directory.GetFiles(_folder.Path).Length;

        var first = service.StopAsync(CancellationToken.None);
        var second = service.StopAsync(CancellationToken.None);
        await second;

        first.IsCompleted.Should().BeTrue("the second stop returned only once the shutdown backup was done");
        Directory.GetFiles(_folder.Path, "*.rqsnap").Should().HaveCount(before + 1, "one shutdown backup, not one per stop");
        await first;
    }

    [Fact]
    public async Task Stop_WritesAShutdownBackup()
    {
        var store = new InMemoryQueueStore(new QueueStoreOptions(), TimeProvider.System);
        using var service = NewService(store);
        await service.StartingAsync(CancellationToken.None);
        await service.StartAsync(CancellationToken.None);
        await FillAsync(store, 2);

        await service.StopAsync(CancellationToken.None);

        var recovered = new SnapshotDirectory(_folder.Path, NullLogger<SnapshotDirectory>.Instance, TimeProvider.System).ReadNewestValid();
        recovered.IsFound.Should().BeTrue();
        recovered.Snapshot!.Tasks.Should().HaveCount(2);
    }

    [Fact]
    public async Task Execute_LetsOneOfTwoServicesTakeThePeriodicBackups_WhenTheyShareAStore()
    {
        await using var store = redis.CreateStore(RedisServerFixture.UniqueNamespace());
        await FillAsync(store, 3);
        using var folderA = new TempFolder();
        using var folderB = new TempFolder();
        // 2 s, not 1: the lock lives 1.5 periods past each renewal, and on a loaded 2-core CI machine a 1 s period's
        // timer ran late enough once for the lock to lapse and the other service to write a periodic backup too.
        using var a = NewService(store, interval: TimeSpan.FromSeconds(2), folder: folderA.Path);
        using var b = NewService(store, interval: TimeSpan.FromSeconds(2), folder: folderB.Path);
        foreach (var service in new[] { a, b })
        {
            await service.StartingAsync(CancellationToken.None);
            await service.StartAsync(CancellationToken.None);
        }

        int Count(TempFolder f) => Directory.GetFiles(f.Path, "*.rqsnap").Length;
        await Eventually.TrueAsync(_ => Task.FromResult(Count(folderA) + Count(folderB) >= 3), Within, "periodic backups should be written");
        await a.StopAsync(CancellationToken.None);
        await b.StopAsync(CancellationToken.None);

        // The shutdown backups are each service's own; periodic ones come from the lock holder only.
        new[] { Count(folderA), Count(folderB) }.Should().Contain(1, "one service wrote only its shutdown backup");
    }
}
