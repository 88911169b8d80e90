using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using QueueService.Maintenance;
using QueueService.Spool;
using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Tasks;
using QueueService.Tests.Support;
using QueueService.Tests.Workers;

namespace QueueService.Tests.Maintenance;

/// <summary>The loops run on a <see cref="FakeTimeProvider"/> shared with the real in-memory store: each poll advances time.</summary>
public sealed class MaintenanceLoopTests : IDisposable
{
    private const string Queue = "work";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", CultureInfo.InvariantCulture));
    private readonly InMemoryQueueStore _store;

    private readonly TaskSpool _spool = WorkerHarness.NewSpool();

    public MaintenanceLoopTests() => _store = new InMemoryQueueStore(new QueueStoreOptions(), _time);

    public void Dispose() => Directory.Delete(_spool.Root, recursive: true);

    private static IOptions<MaintenanceOptions> Options(Action<MaintenanceOptions>? configure = null)
    {
        var options = new MaintenanceOptions();
        configure?.Invoke(options);
        return Microsoft.Extensions.Options.Options.Create(options);
    }

    private async Task<QueueTask> AdvanceUntilAsync(string taskId, Func<QueueTask?, bool> until, TimeSpan step, string because) =>
        (await Eventually.MatchAsync(async ct =>
        {
            _time.Advance(step);
            return await _store.GetAsync(taskId, ct);
        }, until, Within, because))!;

    [Fact]
    public async Task LeaseReaper_RetriesAsTimeoutAndLogsWorkerAndReason_WhenAHungWorkerHeartbeatsPastMaxProcessingTime()
    {
        var store = new InMemoryQueueStore(new QueueStoreOptions { MaxProcessingTime = TimeSpan.FromMinutes(10), LeaseCeilingGrace = TimeSpan.FromMinutes(1) }, _time);
        var id = (await store.EnqueueAsync(new NewTask(Queue, "{}"))).Id;
        var lease = (await store.LeaseAsync("hung-worker", [Queue], 1, TimeSpan.FromSeconds(30))).Single();
        var logger = new ListLogger<LeaseReaper>();
        using var reaper = new LeaseReaper(store, Options(), new ReclaimCounter(), _time, logger);
        await reaper.StartAsync(CancellationToken.None);

        // A hung worker: its handler never ends and ignores its token, but its heartbeat loop goes on every 20 s.
        var task = (await Eventually.MatchAsync(async ct =>
        {
            _time.Advance(TimeSpan.FromSeconds(20));
            try
            {
                await store.HeartbeatAsync(lease, TimeSpan.FromSeconds(30), ct);
            }
            catch (QueueStoreException ex) when (ex.Error == StoreError.LeaseNotHeld)
            {
            }
            return await store.GetAsync(id, ct);
        }, t => t?.Status == QueueTaskStatus.Scheduled, Within, "the reaper should reclaim the hung task once its lease reaches its ceiling"))!;
        await reaper.StopAsync(CancellationToken.None);

        task.ErrorHistory.Should().ContainSingle().Which.Kind.Should().Be(TaskErrorKinds.Timeout);
        task.StartedAt.Should().NotBeNull();
        task.UpdatedAt.Should().BeOnOrAfter(task.StartedAt!.Value + TimeSpan.FromMinutes(11), "the lease lasts until startedAt + MaxProcessingTime + grace");
        logger.Entries.Should().ContainSingle(e => e.Level == LogLevel.Warning && Equals(e.Properties.GetValueOrDefault("TaskId"), id))
            .Which.Should().Match<(LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Properties)>(e =>
                Equals(e.Properties["WorkerId"], "hung-worker") && Equals(e.Properties["Queue"], Queue) && Equals(e.Properties["Attempt"], 1)
                && Equals(e.Properties["Status"], "scheduled") && e.Message.Contains("ran past the maximum processing time", StringComparison.Ordinal));
        logger.Entries.Should().Contain(e => e.Level == LogLevel.Information && Equals(e.Properties.GetValueOrDefault("Count"), 1) && Equals(e.Properties.GetValueOrDefault("TimedOut"), 1),
            "each run that reclaimed something logs a summary");
    }

    [Fact]
    public async Task LeaseReaper_RequeuesTaskAndLogsWorker_WhenLeaseExpires()
    {
        var id = (await _store.EnqueueAsync(new NewTask(Queue, "{}"))).Id;
        await _store.LeaseAsync("crashed-worker", [Queue], 1, TimeSpan.FromSeconds(30));
        var logger = new ListLogger<LeaseReaper>();
        using var reaper = new LeaseReaper(_store, Options(), new ReclaimCounter(), _time, logger);
        await reaper.StartAsync(CancellationToken.None);

        var task = await AdvanceUntilAsync(id, t => t?.Status == QueueTaskStatus.Queued, TimeSpan.FromSeconds(5), "the reaper should reclaim the expired lease");
        await reaper.StopAsync(CancellationToken.None);

        task.ErrorHistory.Should().ContainSingle().Which.Kind.Should().Be(TaskErrorKinds.LeaseExpired);
        logger.Entries.Should().Contain(e => e.Level == LogLevel.Warning
            && Equals(e.Properties["TaskId"], id) && Equals(e.Properties["WorkerId"], "crashed-worker"));
    }

    [Fact]
    public async Task LeaseReaper_KeepsGoing_WhenStoreFailsForAWhile()
    {
        var id = (await _store.EnqueueAsync(new NewTask(Queue, "{}"))).Id;
        await _store.LeaseAsync("crashed-worker", [Queue], 1, TimeSpan.FromSeconds(30));
        var (flaky, control) = FlakyStore.Wrap(_store, nameof(IQueueStore.ReapExpiredAsync), failures: 3);
        using var reaper = new LeaseReaper(flaky, Options(), new ReclaimCounter(), _time, NullLogger<LeaseReaper>.Instance);
        await reaper.StartAsync(CancellationToken.None);

        await AdvanceUntilAsync(id, t => t?.Status == QueueTaskStatus.Queued, TimeSpan.FromSeconds(5), "the reaper should recover after the outage");
        await reaper.StopAsync(CancellationToken.None);

        control.Failed.Should().Be(3);
        reaper.ExecuteTask!.IsFaulted.Should().BeFalse();
    }

    [Fact]
    public async Task ScheduledPromoter_QueuesTask_WhenItsTimeComes()
    {
        var id = (await _store.EnqueueAsync(new NewTask(Queue, "{}") { Delay = TimeSpan.FromMinutes(1) })).Id;
        using var promoter = new ScheduledPromoter(_store, Options(), _time, NullLogger<ScheduledPromoter>.Instance);
        await promoter.StartAsync(CancellationToken.None);

        var task = await AdvanceUntilAsync(id, t => t?.Status == QueueTaskStatus.Queued, TimeSpan.FromSeconds(10), "the promoter should queue the due task");
        await promoter.StopAsync(CancellationToken.None);

        task.QueuePosition.Should().Be(1);
    }

    [Fact]
    public async Task RetentionSweeper_DeletesFinishedTask_WhenOlderThanRetention()
    {
        var id = (await _store.EnqueueAsync(new NewTask(Queue, "{}"))).Id;
        var lease = (await _store.LeaseAsync("w", [Queue], 1, TimeSpan.FromSeconds(30))).Single();
        await _store.CompleteAsync(lease, null);
        using var sweeper = new RetentionSweeper(_store, _spool, Options(o => o.SweepInterval = TimeSpan.FromHours(1)), _time, NullLogger<RetentionSweeper>.Instance);
        await sweeper.StartAsync(CancellationToken.None);

        (await _store.GetAsync(id)).Should().NotBeNull("a fresh result is kept");
        await AdvanceUntilAsync(id, t => t is null, TimeSpan.FromHours(12), "the sweeper should delete it after seven days");
        await sweeper.StopAsync(CancellationToken.None);
        (_time.GetUtcNow() - lease.CreatedAt).Should().BeGreaterThan(TimeSpan.FromDays(7));
    }

    [Fact]
    public async Task RetentionSweeper_DeletesSpooledFilesOfPurgedTasksOnly_WhenTheyAreOldEnough()
    {
        var failed = (await _store.EnqueueAsync(new NewTask(Queue, "{}") { MaxRetries = 0 })).Id;
        var lease = (await _store.LeaseAsync("w", [Queue], 1, TimeSpan.FromSeconds(30))).Single();
        await _store.FailAsync(lease, new TaskFailure("engine crashed", IsRetryable: false));
        var queued = (await _store.EnqueueAsync(new NewTask(Queue, "{}"))).Id;
        // Folder times on the store's fake clock: the failed task's and the queued task's are old.
        var failedFolder = WorkerHarness.WriteSpoolFile(_spool, failed);
        var queuedFolder = WorkerHarness.WriteSpoolFile(_spool, queued);
        Directory.SetLastWriteTimeUtc(failedFolder, _time.GetUtcNow().UtcDateTime);
        Directory.SetLastWriteTimeUtc(queuedFolder, _time.GetUtcNow().UtcDateTime);
        using var sweeper = new RetentionSweeper(_store, _spool, Options(o => o.SweepInterval = TimeSpan.FromHours(1)), _time, NullLogger<RetentionSweeper>.Instance);
        await sweeper.StartAsync(CancellationToken.None);

        Directory.Exists(failedFolder).Should().BeTrue("a failed task may still be retried by an operator until it is purged");
        await AdvanceUntilAsync(failed, t => t is null, TimeSpan.FromHours(12), "the sweeper purges the failed task after seven days");
        // An upload whose task is not enqueued yet: young, so spared.
        var uploading = WorkerHarness.WriteSpoolFile(_spool, "upload-in-progress");
        Directory.SetLastWriteTimeUtc(uploading, _time.GetUtcNow().UtcDateTime);
        await Eventually.TrueAsync(_ =>
        {
            _time.Advance(TimeSpan.FromHours(1));
            return Task.FromResult(!Directory.Exists(failedFolder));
        }, Within, "the purged task's files go at the next sweep");
        await sweeper.StopAsync(CancellationToken.None);

        Directory.Exists(queuedFolder).Should().BeTrue("the store still holds that task");
    }

    [Fact]
    public async Task RetentionSweeper_KeepsFinishedTasks_WhenRetentionIsZero()
    {
        var completed = (await _store.EnqueueAsync(new NewTask(Queue, "{}"))).Id;
        var failed = (await _store.EnqueueAsync(new NewTask(Queue, "{}") { MaxRetries = 0 })).Id;
        var cancelled = (await _store.EnqueueAsync(new NewTask(Queue, "{}"))).Id;
        var leases = await _store.LeaseAsync("w", [Queue], 2, TimeSpan.FromSeconds(30));
        await _store.CompleteAsync(leases.Single(l => l.TaskId == completed), null);
        await _store.FailAsync(leases.Single(l => l.TaskId == failed), new TaskFailure("boom", IsRetryable: false));
        await _store.CancelAsync(cancelled);
        // Far past the default retention of seven days: any retention above zero would purge all three.
        _time.Advance(TimeSpan.FromDays(30));
        using var sweeper = new RetentionSweeper(_store, _spool, Options(o => o.Retention = TimeSpan.Zero), _time, NullLogger<RetentionSweeper>.Instance);

        var finished = new[] { completed, failed, cancelled };
        async Task<bool> AnyDeletedAsync(CancellationToken ct)
        {
            foreach (var id in finished)
                if (await _store.GetAsync(id, ct) is null) return true;
            return false;
        }

        await sweeper.StartAsync(CancellationToken.None);
        // ExecuteAsync runs on its own thread: wait until it has either ended or swept (a sweep at
        // start would purge all three, since they are 30 days old), whichever comes first.
        await Eventually.TrueAsync(async ct => sweeper.ExecuteTask!.IsCompleted || await AnyDeletedAsync(ct), Within,
            "the sweeper should either end at once or have run its first sweep");

        foreach (var id in finished)
            (await _store.GetAsync(id)).Should().NotBeNull("retention 0 keeps finished tasks forever");
        sweeper.ExecuteTask!.IsCompletedSuccessfully.Should().BeTrue("with retention 0 the sweeper does not run at all");
        await sweeper.StopAsync(CancellationToken.None);
    }
}
