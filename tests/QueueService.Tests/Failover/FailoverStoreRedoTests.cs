using System.Diagnostics;
using Microsoft.Extensions.Logging;
using QueueService.Stores;
using QueueService.Stores.Failover;
using QueueService.Stores.Redis;
using QueueService.Tasks;
using QueueService.Tests.Support;

namespace QueueService.Tests.Failover;

/// <summary>
/// What the failover store records in the redo log, and the reaper's grace after an outage: a real redis-server,
/// stopped and restarted (<see cref="FailoverStoreHarness"/>).
/// </summary>
public sealed class FailoverStoreRedoTests : IAsyncLifetime
{
    private FailoverStoreHarness _h = null!;
    private readonly string _redoFolder = Path.Combine(Path.GetTempPath(), "rq-redo-store-" + Guid.NewGuid().ToString("N"));
    private readonly List<FailoverQueueStore> _stores = [];
    private readonly List<RedoLog> _logs = [];

    public async Task InitializeAsync() => _h = await FailoverStoreHarness.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var store in _stores) await store.DisposeAsync();
        foreach (var log in _logs) await log.DisposeAsync();
        await _h.DisposeAsync();
        if (Directory.Exists(_redoFolder)) Directory.Delete(_redoFolder, recursive: true);
    }

    private ListLogger<FailoverQueueStore> Log { get; } = new();

    /// <summary>A failover store with a redo log, over the harness's Redis and journal, started as the host starts it.</summary>
    private async Task<FailoverQueueStore> OpenStoreAsync(TimeSpan? reapGrace = null)
    {
        var options = new FailoverOptions { ProbeInterval = TimeSpan.FromMilliseconds(50), ReapGraceAfterOutage = reapGrace ?? TimeSpan.FromSeconds(15) };
        var redo = RedoLog.Open(_redoFolder, options, TimeProvider.System, new ListLogger<RedoLog>());
        _logs.Add(redo);
        var store = new FailoverQueueStore(new RedisQueueStore(_h.Connection, new RedisStoreOptions { Namespace = _h.Namespace }, new QueueStoreOptions()),
            _h.JournalPath, options, new QueueStoreOptions(), TimeProvider.System, Log, restoreIfNeeded: null, redoLog: redo);
        _stores.Add(store);
        await store.PrepareRedisAsync();
        return store;
    }

    private static NewTask Task(int n) => new("alpha", $$"""{"n":{{n}}}""");

    private static Task<IReadOnlyList<JournalEntry>> WaitForEntriesAsync(RedoLog redo, Func<IReadOnlyList<JournalEntry>, bool> until, string because) =>
        Eventually.MatchAsync(ct => redo.ReadAllAsync(ct), until, FailoverStoreHarness.Within, because);

    [Fact]
    public async Task EnqueueAsync_RecordsEachTaskRedisCreated_WhenSubmittedSinglyOrInABatch()
    {
        var store = await OpenStoreAsync();
        var before = DateTimeOffset.UtcNow;
        var single = await store.EnqueueAsync(Task(1) with { Priority = 9, MaxRetries = 1 });
        var batch = await store.EnqueueBatchAsync([Task(2), Task(3) with { Delay = TimeSpan.FromMinutes(5) }, Task(4) with { Id = single.Id }]);

        var entries = await store.RedoLog!.ReadAllAsync();

        entries.Select(e => (e.Kind, e.TaskId)).Should().Equal(
            [(JournalEntryKind.Enqueued, single.Id), (JournalEntryKind.Enqueued, batch[0].Id), (JournalEntryKind.Enqueued, batch[1].Id)],
            "each task Redis created, in order; the id Redis held already is not recorded again");
        entries[0].Task.Should().Be(new NewTask("alpha", """{"n":1}""") { Id = single.Id, Priority = 9, MaxRetries = 1 });
        entries[0].At.Should().Be(single.CreatedAt, "the time Redis created it, on Redis's clock like the snapshot's");
        entries[2].Task!.Delay.Should().BeNull();
        entries[2].Task!.RunAt.Should().BeCloseTo(before.AddMinutes(5), TimeSpan.FromSeconds(10), "a delay is recorded as the run time it gave");
    }

    [Fact]
    public async Task EnqueueAsync_StillAcceptsTheTask_WhenTheRedoLogCannotBeWritten()
    {
        var store = await OpenStoreAsync();
        store.RedoLog!.InjectWriteFault = _ => true;

        var result = await store.EnqueueAsync(Task(1));

        result.Created.Should().BeTrue("the redo log backs Redis up; it is not the record");
        (await _h.Redis.GetAsync(result.Id)).Should().NotBeNull();
        store.RedoLog.WriteErrorCount.Should().Be(1);
    }

    [Fact]
    public async Task CancelAndRetry_AreRecordedAfterRedisAppliedThem_AndARefusalIsNot()
    {
        var store = await OpenStoreAsync();
        var id = (await store.EnqueueAsync(Task(1))).Id;
        await store.CancelAsync(id);
        await store.RetryAsync(id);
        var refused = () => store.RetryAsync(id);
        await refused.Should().ThrowAsync<QueueStoreException>().Where(e => e.Error == StoreError.IllegalTransition);

        var entries = await store.RedoLog!.ReadAllAsync();

        entries.Select(e => e.Kind).Should().Equal(JournalEntryKind.Enqueued, JournalEntryKind.Cancelled, JournalEntryKind.Retried);
    }

    [Fact]
    public async Task Store_RecordsTheLeaseOfEveryStart_WhenAWorkerLeasesThroughRedisWithNoSubscriberOnTheStore()
    {
        var store = await OpenStoreAsync();
        var id = (await store.EnqueueAsync(Task(1))).Id;
        // The probe subscribes the feed on its first tick; a lease before that would be lost, as in any pub/sub gap.
        await WaitForFeedAsync();

        // A worker on its own connection, as QueueWorker is.
        var lease = (await _h.Redis.LeaseAsync("worker-7", ["alpha"], 1, TimeSpan.FromMinutes(1))).Single();

        var entries = await WaitForEntriesAsync(store.RedoLog!, e => e.Any(x => x.Kind == JournalEntryKind.Started), "the started event reaches the redo log");
        entries.Single(e => e.Kind == JournalEntryKind.Started).Should().BeEquivalentTo(new
        {
            TaskId = id, Attempt = 1, WorkerId = "worker-7", LeaseToken = (long?)lease.LeaseToken,
        });
    }

    /// <summary>Waits until the store's event feed is subscribed to Redis (the probe does it on its first tick).</summary>
    private async Task WaitForFeedAsync()
    {
        await Eventually.TrueAsync(async _ =>
        {
            var channels = await _h.Checker.GetDatabase().ExecuteAsync("PUBSUB", "CHANNELS", "*");
            return ((string[])channels!).Any(c => c.Contains(_h.Namespace, StringComparison.Ordinal));
        }, FailoverStoreHarness.Within, "the store subscribes to Redis's events even with nobody listening on it");
    }

    [Fact]
    public async Task Drain_RecordsTheTasksItMovedIntoRedisAndStartsAfterIt_WhenRedisComesBack()
    {
        var store = await OpenStoreAsync();
        await WaitForFeedAsync();
        await _h.StopRedisAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add((await store.EnqueueAsync(Task(i))).Id);
        await store.CancelAsync(ids[1]);
        (await store.RedoLog!.ReadAllAsync()).Should().BeEmpty("during the outage the journal holds them, not the redo log");

        await _h.StartRedisAsync();
        await FailoverStoreHarness.WaitForRedisModeAsync(store);

        var entries = await store.RedoLog.ReadAllAsync();
        entries.Select(e => (e.Kind, e.TaskId)).Should().Equal(
            (JournalEntryKind.Enqueued, ids[0]), (JournalEntryKind.Enqueued, ids[1]), (JournalEntryKind.Enqueued, ids[2]), (JournalEntryKind.Cancelled, ids[1]));
        store.JournalCount.Should().Be(0);

        // The event feed is back too: a start after the outage is recorded.
        var lease = (await _h.Redis.LeaseAsync("worker-2", ["alpha"], 1, TimeSpan.FromMinutes(1))).Single();
        var after = await WaitForEntriesAsync(store.RedoLog, e => e.Any(x => x.Kind == JournalEntryKind.Started), "a start after the outage reaches the redo log");
        after.Single(e => e.Kind == JournalEntryKind.Started).LeaseToken.Should().Be(lease.LeaseToken);
    }

    [Fact]
    public async Task ReapExpiredAsync_ReclaimsNothingForTheGrace_WhenALeaseRanOutDuringAnOutage()
    {
        var grace = TimeSpan.FromSeconds(4); // long enough that the checks below run inside it on a slow machine
        var store = await OpenStoreAsync(reapGrace: grace);
        var id = (await store.EnqueueAsync(Task(1))).Id;
        var lease = (await _h.Redis.LeaseAsync("worker-1", ["alpha"], 1, TimeSpan.FromMilliseconds(300))).Single();
        await _h.StopRedisAsync();
        await store.EnqueueAsync(Task(2)); // the store notices the outage
        store.Kind.Should().Be(FailoverQueueStore.FallbackKind);
        await Eventually.TrueAsync(_ => System.Threading.Tasks.Task.FromResult(DateTimeOffset.UtcNow > lease.LeaseExpiresAt.AddMilliseconds(100)),
            FailoverStoreHarness.Within, "the lease runs out during the outage");

        var restartedAt = Stopwatch.GetTimestamp(); // the grace starts after this, when the store sees Redis again
        await _h.StartRedisAsync();
        await FailoverStoreHarness.WaitForRedisModeAsync(store);

        (await store.ReapExpiredAsync()).Should().BeEmpty("the grace after the outage has not passed");
        (await store.ReapExpiredAsync()).Should().BeEmpty("twice, and logged once");
        (await _h.Redis.GetAsync(id))!.Status.Should().Be(QueueTaskStatus.Processing);
        Log.Entries.Should().ContainSingle(e => e.Level == LogLevel.Information && e.Message.Contains("paused until", StringComparison.Ordinal));

        var reaped = await Eventually.MatchAsync(ct => store.ReapExpiredAsync(cancellationToken: ct), r => r.Count > 0, FailoverStoreHarness.Within, "the grace passes");
        Stopwatch.GetElapsedTime(restartedAt).Should().BeGreaterThanOrEqualTo(grace, "nothing is reaped before the grace has passed");
        reaped.Single().TaskId.Should().Be(id);
    }

    [Fact]
    public async Task HeartbeatAsync_RenewsALeaseThatRanOutDuringAnOutage_WhileTheReaperWaits()
    {
        var store = await OpenStoreAsync(reapGrace: TimeSpan.FromMinutes(1));
        var id = (await store.EnqueueAsync(Task(1))).Id;
        var lease = (await _h.Redis.LeaseAsync("worker-1", ["alpha"], 1, TimeSpan.FromMilliseconds(300))).Single();
        await _h.StopRedisAsync();
        await store.EnqueueAsync(Task(2));
        await Eventually.TrueAsync(_ => System.Threading.Tasks.Task.FromResult(DateTimeOffset.UtcNow > lease.LeaseExpiresAt.AddMilliseconds(100)),
            FailoverStoreHarness.Within, "the lease runs out during the outage");
        await _h.StartRedisAsync();
        await FailoverStoreHarness.WaitForRedisModeAsync(store);

        (await store.ReapExpiredAsync()).Should().BeEmpty();
        await _h.Redis.HeartbeatAsync(lease, TimeSpan.FromMinutes(1));
        await _h.Redis.CompleteAsync(lease, """{"ok":true}""");

        (await _h.Redis.GetAsync(id))!.Status.Should().Be(QueueTaskStatus.Completed, "the worker kept its task across the outage");
    }
}
