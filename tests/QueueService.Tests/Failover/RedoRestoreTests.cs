using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using QueueService.Snapshots;
using QueueService.Stores;
using QueueService.Stores.Failover;
using QueueService.Stores.Memory;
using QueueService.Stores.Redis;
using QueueService.Tasks;
using QueueService.Tests.Support;

namespace QueueService.Tests.Failover;

/// <summary>
/// The restore after Redis lost its data, end to end on a real redis-server: snapshot plus redo log bring back every task
/// accepted since the snapshot, the started ones in the hands of the workers that run them (docs/failover.md).
/// </summary>
public sealed class RedoRestoreTests : IAsyncLifetime
{
    private FailoverStoreHarness _h = null!;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "rq-redo-restore-" + Guid.NewGuid().ToString("N"));
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly ListLogger<BackupService> _backupLog = new();

    public async Task InitializeAsync() => _h = await FailoverStoreHarness.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned)) await owned.DisposeAsync();
        await _h.DisposeAsync();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private string RedoFolder => Path.Combine(_folder, "failover", "redo");

    private RedoLog OpenRedo()
    {
        var redo = RedoLog.Open(RedoFolder, new FailoverOptions(), TimeProvider.System, NullLogger<RedoLog>.Instance);
        _owned.Add(redo);
        return redo;
    }

    /// <summary>The API's store: failover over the harness's Redis, recording into <paramref name="redo"/>, its restore hook the backup service's.</summary>
    private async Task<(FailoverQueueStore Store, BackupService Backups)> OpenApiAsync(RedoLog redo)
    {
        BackupService? backups = null;
        var redis = new RedisQueueStore(_h.Connection, new RedisStoreOptions { Namespace = _h.Namespace }, new QueueStoreOptions());
        var store = new FailoverQueueStore(redis, _h.JournalPath, new FailoverOptions { ProbeInterval = TimeSpan.FromMilliseconds(50) }, new QueueStoreOptions(),
            TimeProvider.System, new ListLogger<FailoverQueueStore>(),
            async ct => await backups!.RestoreIfNeededAsync(redis, ct), redo);
        _owned.Add(store);
        backups = NewBackups(store, redo);
        await backups.StartingAsync(CancellationToken.None);
        await store.PrepareRedisAsync();
        await WaitForFeedAsync();
        return (store, backups);
    }

    private BackupService NewBackups(IQueueStore store, IRestoreLog? redo) =>
        new(store, new SnapshotDirectory(Path.Combine(_folder, "snapshots"), NullLogger<SnapshotDirectory>.Instance, TimeProvider.System),
            Options.Create(new SnapshotOptions()), TimeProvider.System, _backupLog, redo);

    /// <summary>Waits until the API's store listens to Redis's events (the probe subscribes on its first tick).</summary>
    private Task WaitForFeedAsync() => Eventually.TrueAsync(async _ =>
    {
        var channels = (string[])(await _h.Checker.GetDatabase().ExecuteAsync("PUBSUB", "CHANNELS", "*"))!;
        return channels.Any(c => c.Contains(_h.Namespace, StringComparison.Ordinal));
    }, FailoverStoreHarness.Within, "the store subscribes to Redis's events");

    private static NewTask Task(string name) => new("alpha", $$"""{"name":"{{name}}"}""");

    private Task WaitForStartsAsync(RedoLog redo, int count) => Eventually.TrueAsync(async ct =>
        (await redo.ReadAllAsync(ct)).Count(e => e.Kind == JournalEntryKind.Started) >= count, FailoverStoreHarness.Within, $"{count} started events reach the redo log");

    private async Task<List<string>> LeaseAllAsync(IQueueStore store)
    {
        var order = new List<string>();
        while ((await store.LeaseAsync("checker", ["alpha"], 1, TimeSpan.FromMinutes(1))) is [var lease]) order.Add(lease.TaskId);
        return order;
    }

    /// <summary>
    /// The story both restores below tell: 4 tasks, one leased, then a snapshot; then 6 more (one delayed an hour),
    /// 4 leased by a worker (3 of the snapshot's, 1 new; one of them finished), one new one cancelled.
    /// </summary>
    private sealed record Story(List<string> Pre, List<string> Post, TaskLease PreLease, List<TaskLease> Leases, string Scheduled, string Cancelled);

    private async Task<Story> TellAsync(FailoverQueueStore store, BackupService backups, RedoLog redo)
    {
        var worker = _h.Redis; // a worker talks to Redis directly, on its own connection
        var pre = new List<string>();
        for (var i = 0; i < 4; i++) pre.Add((await store.EnqueueAsync(Task($"pre-{i}"))).Id);
        var preLease = (await worker.LeaseAsync("worker-1", ["alpha"], 1, TimeSpan.FromMinutes(1))).Single();
        await backups.BackupNowAsync("test");

        var post = new List<string> { (await store.EnqueueAsync(Task("post-0"))).Id };
        post.AddRange((await store.EnqueueBatchAsync([Task("post-1"), Task("post-2"), Task("post-3") with { Delay = TimeSpan.FromHours(1) }])).Select(r => r.Id));
        post.Add((await store.EnqueueAsync(Task("post-4"))).Id);
        post.Add((await store.EnqueueAsync(Task("post-5"))).Id);
        var leases = (await worker.LeaseAsync("worker-1", ["alpha"], 4, TimeSpan.FromMinutes(1))).ToList();
        leases.Select(l => l.TaskId).Should().Equal(pre[1], pre[2], pre[3], post[0]);
        await worker.CompleteAsync(leases[1], """{"done":1}""");
        await store.CancelAsync(post[1]);
        await WaitForStartsAsync(redo, 5);
        return new Story(pre, post, preLease, leases, post[3], post[1]);
    }

    private async Task CheckRestoredAsync(Story story)
    {
        _backupLog.Entries.Should().ContainSingle(e => e.Level == LogLevel.Warning && e.Message.StartsWith("Restored snapshot", StringComparison.Ordinal)
            && e.Message.Contains("6 tasks enqueued since the snapshot restored, 5 leases held", StringComparison.Ordinal),
            "every task accepted since the snapshot, and the 5 leases it brings back (the snapshot's one, the 4 taken since), are counted in the restore's one Warning");
        var redis = _h.Redis;
        foreach (var id in story.Pre.Concat(story.Post)) (await redis.GetAsync(id)).Should().NotBeNull($"task {id} is back");
        (await redis.GetAsync(story.Cancelled))!.Status.Should().Be(QueueTaskStatus.Cancelled);
        (await redis.GetAsync(story.Scheduled))!.Status.Should().Be(QueueTaskStatus.Scheduled);
        (await redis.ListLeasesAsync("worker-1")).Select(l => (l.TaskId, l.LeaseToken)).Should().BeEquivalentTo(
            story.Leases.Prepend(story.PreLease).Select(l => (l.TaskId, l.LeaseToken)), "each started task is back in the hands of its worker, under the same lease");

        // The worker goes on as if nothing happened: outcomes under the original leases are taken.
        await redis.CompleteAsync(story.PreLease, null);
        await redis.HeartbeatAsync(story.Leases[0], TimeSpan.FromMinutes(1));
        await redis.CompleteAsync(story.Leases[0], null);
        await redis.CompleteAsync(story.Leases[1], """{"done":1}"""); // recorded before Redis lost it: recorded again
        await redis.FailAsync(story.Leases[3], new TaskFailure("boom", IsRetryable: false));
        (await redis.GetAsync(story.Leases[1].TaskId))!.Status.Should().Be(QueueTaskStatus.Completed);

        (await LeaseAllAsync(redis)).Should().Equal([story.Post[2], story.Post[4], story.Post[5]],
            "the rest run in the order they were accepted; nothing started runs again");
    }

    [Fact]
    public async Task RestoreIfNeededAsync_BringsBackEveryTaskSinceTheSnapshotUnderItsLease_WhenRedisWasFlushed()
    {
        var redo = OpenRedo();
        var (store, backups) = await OpenApiAsync(redo);
        var story = await TellAsync(store, backups, redo);

        await _h.Checker.GetDatabase().ExecuteAsync("FLUSHALL");
        var result = await backups.RestoreIfNeededAsync();

        result.Should().BeEquivalentTo(new { Outcome = RestoreOutcome.Restored, EnqueuedFromLog = 6, LeasesHeld = 5, ChangesApplied = 1 },
            "the snapshot's lease and the 4 taken since it come back held");
        await CheckRestoredAsync(story);
    }

    [Fact]
    public async Task RestoreIfNeededAsync_CompletesARestoreCutShort_WhenRedisHoldsTasksButNotYetTheEpoch()
    {
        var redo = OpenRedo();
        var (store, backups) = await OpenApiAsync(redo);
        var story = await TellAsync(store, backups, redo);
        var snapshotEpoch = await _h.Redis.GetEpochAsync();
        await _h.Checker.GetDatabase().ExecuteAsync("FLUSHALL");
        (await backups.RestoreIfNeededAsync()).Outcome.Should().Be(RestoreOutcome.Restored);
        (await _h.Redis.GetEpochAsync()).Should().Be(snapshotEpoch, "the epoch is written once the tasks and the changes are in");

        // The epoch is written last: a restore cut short before it leaves the tasks without it, as here.
        await _h.Checker.GetDatabase().KeyDeleteAsync($"rq:{{{_h.Namespace}}}:epoch");
        var again = await backups.RestoreIfNeededAsync();

        again.Should().BeEquivalentTo(new { Outcome = RestoreOutcome.Restored, Imported = 0, ChangesApplied = 0 },
            "the next check restores again: every task is there already, and the logged cancel was applied already");
        (await _h.Redis.GetEpochAsync()).Should().Be(snapshotEpoch);
        (await _h.Redis.GetAsync(story.Cancelled))!.Status.Should().Be(QueueTaskStatus.Cancelled);
        (await _h.Redis.ListLeasesAsync("worker-1")).Should().HaveCount(5, "the held leases are untouched by the second pass");
    }

    [Fact]
    public async Task StartingAsync_RestoresFromTheRedoLogAnEarlierProcessLeft_WhenTheApiRestartsAfterRedisLostItsData()
    {
        var redo = OpenRedo();
        var (store, backups) = await OpenApiAsync(redo);
        var story = await TellAsync(store, backups, redo);
        await _h.Checker.GetDatabase().ExecuteAsync("FLUSHALL");

        // The API killed (its log never closed) and started again: a new log over the same folder, a new store, the start-up restore.
        var restartedRedo = OpenRedo();
        var freshStore = new FailoverQueueStore(new RedisQueueStore(_h.Connection, new RedisStoreOptions { Namespace = _h.Namespace }, new QueueStoreOptions()),
            _h.JournalPath + ".2", new FailoverOptions(), new QueueStoreOptions(), TimeProvider.System, new ListLogger<FailoverQueueStore>(), redoLog: restartedRedo);
        _owned.Add(freshStore);
        var restarted = NewBackups(freshStore, restartedRedo);
        await restarted.StartingAsync(CancellationToken.None);

        restarted.RestoreSettled.Should().BeTrue();
        await CheckRestoredAsync(story);
    }

    [Fact]
    public async Task Drain_RestoresSnapshotAndRedoLogBeforeTheOutageTasks_WhenRedisComesBackEmpty()
    {
        var redo = OpenRedo();
        var (store, backups) = await OpenApiAsync(redo);
        var pre = new List<string>();
        for (var i = 0; i < 2; i++) pre.Add((await store.EnqueueAsync(Task($"pre-{i}"))).Id);
        await backups.BackupNowAsync("test");
        var post = new List<string>();
        for (var i = 0; i < 3; i++) post.Add((await store.EnqueueAsync(Task($"post-{i}"))).Id);
        var lease = (await _h.Redis.LeaseAsync("worker-1", ["alpha"], 1, TimeSpan.FromMinutes(1))).Single();
        await WaitForStartsAsync(redo, 1);

        await _h.StopRedisAsync(keepData: false);
        var during = new List<string>();
        for (var i = 0; i < 2; i++) during.Add((await store.EnqueueAsync(Task($"during-{i}"))).Id);
        await _h.StartRedisAsync();
        await FailoverStoreHarness.WaitForRedisModeAsync(store);

        var redis = _h.Redis;
        (await redis.ListLeasesAsync("worker-1")).Should().ContainSingle().Which.LeaseToken.Should().Be(lease.LeaseToken);
        await redis.CompleteAsync(lease, null);
        (await LeaseAllAsync(redis)).Should().Equal(pre.Skip(1).Concat(post).Concat(during),
            "the snapshot's tasks, then those accepted since it, then those accepted during the outage; the started one is not run again");
        (await redo.ReadAllAsync()).Where(e => e.Kind == JournalEntryKind.Enqueued).Select(e => e.TaskId).Should().EndWith(during,
            "the drained tasks are in the redo log, for the next time");
    }

    [Fact]
    public async Task RestoreIfNeededAsync_ImportsTheSnapshotAsBefore_WhenTheRedoLogIsEmpty()
    {
        var target = _h.Redis;
        await target.EnsureEpochAsync();
        for (var i = 0; i < 3; i++) await target.EnqueueAsync(Task($"t-{i}"));
        var lease = (await target.LeaseAsync("worker-1", ["alpha"], 1, TimeSpan.FromMinutes(1))).Single();
        var backups = NewBackups(target, OpenRedo());
        await backups.BackupNowAsync("test");
        await _h.Checker.GetDatabase().ExecuteAsync("FLUSHALL");

        var result = await backups.RestoreIfNeededAsync();

        result.Should().BeEquivalentTo(new { Outcome = RestoreOutcome.Restored, Imported = 3, Requeued = 1, EnqueuedFromLog = 0, LeasesHeld = 0 });
        (await target.GetAsync(lease.TaskId))!.Status.Should().Be(QueueTaskStatus.Queued, "without a redo log a running task comes back queued, as it always did");
    }

    [Fact]
    public async Task RestoreIfNeededAsync_QueuesStartedTasksAndAddsLoggedOnes_WhenTheTargetIsMemory()
    {
        var before = new InMemoryQueueStore(new QueueStoreOptions(), TimeProvider.System);
        var first = (await before.EnqueueAsync(Task("first"))).Id;
        await NewBackups(before, null).BackupNowAsync("test");
        var redo = OpenRedo();
        var now = DateTimeOffset.UtcNow;
        redo.Append([
            new JournalEntry(JournalEntryKind.Started, first, now, Attempt: 1, WorkerId: "worker-1", LeaseToken: 7),
            new JournalEntry(JournalEntryKind.Enqueued, "logged", now, Task("logged") with { Id = "logged" }),
        ]);

        var after = new InMemoryQueueStore(new QueueStoreOptions(), TimeProvider.System);
        var result = await NewBackups(after, redo).RestoreIfNeededAsync();

        result.Should().BeEquivalentTo(new { Outcome = RestoreOutcome.Restored, EnqueuedFromLog = 1, LeasesHeld = 0, Requeued = 1 });
        (await after.GetAsync(first))!.Status.Should().Be(QueueTaskStatus.Queued, "a memory store's workers died with the process: nothing is held for them");
        (await LeaseAllAsync(after)).Should().Equal(first, "logged");
    }
}
