using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using QueueService.Snapshots;
using QueueService.Stores;
using QueueService.Stores.Failover;
using QueueService.Stores.Redis;
using QueueService.Tasks;
using QueueService.Tests.Support;

namespace QueueService.Tests.Failover;

/// <summary>What the failover store answers while Redis is down: a real redis-server, stopped.</summary>
public sealed class FailoverStoreOutageTests : IAsyncLifetime
{
    private FailoverStoreHarness _h = null!;

    public async Task InitializeAsync() => _h = await FailoverStoreHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static NewTask Task(int n, int priority = 0) => new("alpha", $$"""{"n":{{n}}}""") { Priority = priority };

    [Fact]
    public async Task EnqueueAsync_AcceptsIntoMemoryAndJournals_WhenRedisIsDown()
    {
        var store = await _h.OpenStoreAsync();
        store.Kind.Should().Be("redis");
        await store.EnqueueAsync(Task(0));
        await _h.StopRedisAsync();

        var accepted = new List<EnqueueResult>();
        for (var i = 1; i <= 5; i++) accepted.Add(await store.EnqueueAsync(Task(i)));
        accepted.AddRange(await store.EnqueueBatchAsync([Task(6), Task(7) with { Delay = TimeSpan.FromHours(1) }]));

        store.Kind.Should().Be("memory-fallback");
        accepted.Should().OnlyContain(r => r.Created);
        accepted[^1].Status.Should().Be(QueueTaskStatus.Scheduled);
        store.JournalCount.Should().Be(7, "every submission is journalled before it is acknowledged");
        _h.Log.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("memory-fallback", StringComparison.Ordinal))
            .Should().Be(1, "one Warning per transition, not per call");

        // The journal on disk holds them, in order, the delay turned into a run time.
        await store.DisposeAsync();
        await using var journal = await FailoverJournal.OpenAsync(_h.JournalPath, new FailoverOptions(), TimeProvider.System, NullLogger.Instance);
        journal.Replayed.Select(e => e.TaskId).Should().Equal(accepted.Select(r => r.Id));
        journal.Replayed[^1].Task!.Delay.Should().BeNull();
        journal.Replayed[^1].Task!.RunAt.Should().BeCloseTo(DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task GetAsync_ReadsOutageTasksAndAnswersDegradedForRedisOnlyTasks_WhenRedisIsDown()
    {
        var store = await _h.OpenStoreAsync();
        var older = await store.EnqueueAsync(Task(0));
        await _h.StopRedisAsync();
        var during = await store.EnqueueAsync(Task(1));

        (await store.GetAsync(during.Id))!.Status.Should().Be(QueueTaskStatus.Queued);
        var read = () => store.GetAsync(older.Id);
        (await read.Should().ThrowAsync<QueueStoreException>()).Which.Should().Match<QueueStoreException>(e =>
            e.Error == StoreError.Unavailable && e.Message.Contains("degraded") && e.TaskId == older.Id,
            "a task only Redis holds is unknown now, not missing: never a wrong 404");
        (await store.ListAsync(new TaskQuery())).Items.Select(t => t.Id).Should().Equal(during.Id);
        (await store.GetStatsAsync()).Totals.Queued.Should().Be(1);
        var invalid = () => store.GetAsync("");
        (await invalid.Should().ThrowAsync<QueueStoreException>()).Which.Error.Should().Be(StoreError.Invalid);
    }

    [Fact]
    public async Task CancelAndRetry_ChangeOutageTasksAndRefuseRedisOnlyTasks_WhenRedisIsDown()
    {
        var store = await _h.OpenStoreAsync();
        var older = await store.EnqueueAsync(Task(0));
        await _h.StopRedisAsync();
        var during = await store.EnqueueAsync(Task(1));

        (await store.CancelAsync(during.Id)).Should().Be(CancelOutcome.Cancelled);
        var again = () => store.CancelAsync(during.Id);
        (await again.Should().ThrowAsync<QueueStoreException>()).Which.Error.Should().Be(StoreError.IllegalTransition);
        (await store.RetryAsync(during.Id)).Status.Should().Be(QueueTaskStatus.Queued);
        (await store.CancelAsync(during.Id)).Should().Be(CancelOutcome.Cancelled);
        store.JournalCount.Should().Be(4, "the enqueue, two cancels and the retry; the refused cancel is not journalled");

        var cancelOlder = () => store.CancelAsync(older.Id);
        (await cancelOlder.Should().ThrowAsync<QueueStoreException>()).Which.Error.Should().Be(StoreError.Unavailable);
        var retryOlder = () => store.RetryAsync(older.Id);
        (await retryOlder.Should().ThrowAsync<QueueStoreException>()).Which.Error.Should().Be(StoreError.Unavailable);
    }

    [Fact]
    public async Task WorkerAndBackupCalls_AnswerUnavailable_WhenRedisIsDown()
    {
        var store = await _h.OpenStoreAsync();
        await _h.StopRedisAsync();
        await store.EnqueueAsync(Task(1));

        var lease = () => store.LeaseAsync("w1", ["alpha"], 1, TimeSpan.FromMinutes(1));
        (await lease.Should().ThrowAsync<QueueStoreException>()).Which.Message.Should().Contain("workers pause");
        var reap = () => store.ReapExpiredAsync();
        (await reap.Should().ThrowAsync<QueueStoreException>()).Which.Error.Should().Be(StoreError.Unavailable);
        var epoch = () => store.GetEpochAsync();
        (await epoch.Should().ThrowAsync<QueueStoreException>()).Which.Error.Should().Be(StoreError.Unavailable);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        (await store.WaitForWorkAsync(["alpha"], TimeSpan.FromMilliseconds(200))).Should().BeFalse("nothing runs from memory");
        clock.ElapsedMilliseconds.Should().BeGreaterThanOrEqualTo(150);

        // A backup is a skip with a Warning, not an error: the journal is the durable copy.
        var log = new ListLogger<BackupService>();
        var folder = Path.Combine(_h.RedisDirectory, "..", "backups");
        using var backups = new BackupService(store, new SnapshotDirectory(folder, NullLogger<SnapshotDirectory>.Instance, TimeProvider.System),
            Options.Create(new SnapshotOptions()), TimeProvider.System, log);
        var backup = () => backups.BackupNowAsync("test");
        (await backup.Should().ThrowAsync<QueueStoreException>()).Which.Message.Should().Contain("backups are skipped");
    }

    [Fact]
    public async Task BackupService_LogsASkippedShutdownBackupNotAnError_WhenTheStoreRunsOnMemory()
    {
        var store = await _h.OpenStoreAsync();
        var log = new ListLogger<BackupService>();
        var folder = Path.Combine(_h.RedisDirectory, "..", "backups");
        using var backups = new BackupService(store, new SnapshotDirectory(folder, NullLogger<SnapshotDirectory>.Instance, TimeProvider.System),
            Options.Create(new SnapshotOptions { BackupOnShutdown = true }), TimeProvider.System, log);
        await backups.StartingAsync(CancellationToken.None);
        backups.RestoreSettled.Should().BeTrue("Redis answered at start");
        await _h.StopRedisAsync();
        await store.EnqueueAsync(Task(1));
        store.Kind.Should().Be("memory-fallback");

        await backups.StopAsync(CancellationToken.None);

        log.Entries.Should().ContainSingle(e => e.Level == LogLevel.Warning && e.Message.Contains("shutdown backup skipped", StringComparison.Ordinal));
        log.Entries.Should().NotContain(e => e.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task EnqueueAsync_AnswersUnavailableNamingTheJournal_WhenTheJournalCannotBeOpened()
    {
        // A journal under a regular file cannot be created.
        var blocker = Path.Combine(_h.RedisDirectory, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "x");
        var log = new ListLogger<FailoverQueueStore>();
        await using var store = new FailoverQueueStore(new RedisQueueStore(_h.Connection, new RedisStoreOptions { Namespace = _h.Namespace }, new QueueStoreOptions()), Path.Combine(blocker, "journal.rqj"),
            new FailoverOptions { ProbeInterval = TimeSpan.FromMilliseconds(50) }, new QueueStoreOptions(), TimeProvider.System, log);
        await store.StartAsync();
        log.Entries.Should().Contain(e => e.Level == LogLevel.Error && e.Message.Contains("cannot be opened"));
        (await store.EnqueueAsync(Task(0))).Created.Should().BeTrue("Redis answers: no journal is needed");

        await _h.StopRedisAsync();
        var enqueue = () => store.EnqueueAsync(Task(1));
        var refusal = (await enqueue.Should().ThrowAsync<QueueStoreException>()).Which;
        refusal.Error.Should().Be(StoreError.Unavailable);
        refusal.Message.Should().Contain("journal").And.Contain("nothing was accepted");
    }
}
