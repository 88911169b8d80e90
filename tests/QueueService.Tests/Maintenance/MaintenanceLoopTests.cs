using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using QueueService.Maintenance;
using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Tasks;
using QueueService.Tests.Support;

namespace QueueService.Tests.Maintenance;

/// <summary>The loops run on a <see cref="FakeTimeProvider"/> shared with the real in-memory store: each poll advances time.</summary>
public sealed class MaintenanceLoopTests
{
    private const string Queue = "work";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", CultureInfo.InvariantCulture));
    private readonly InMemoryQueueStore _store;

    public MaintenanceLoopTests() => _store = new InMemoryQueueStore(new QueueStoreOptions(), _time);

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
    public async Task LeaseReaper_RequeuesTaskAndLogsWorker_WhenLeaseExpires()
    {
        var id = (await _store.EnqueueAsync(new NewTask(Queue, "{}"))).Id;
        await _store.LeaseAsync("crashed-worker", [Queue], 1, TimeSpan.FromSeconds(30));
        var logger = new ListLogger<LeaseReaper>();
        using var reaper = new LeaseReaper(_store, Options(), _time, logger);
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
        using var reaper = new LeaseReaper(flaky, Options(), _time, NullLogger<LeaseReaper>.Instance);
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
        using var sweeper = new RetentionSweeper(_store, Options(o => o.SweepInterval = TimeSpan.FromHours(1)), _time, NullLogger<RetentionSweeper>.Instance);
        await sweeper.StartAsync(CancellationToken.None);

        (await _store.GetAsync(id)).Should().NotBeNull("a fresh result is kept");
        await AdvanceUntilAsync(id, t => t is null, TimeSpan.FromHours(12), "the sweeper should delete it after seven days");
        await sweeper.StopAsync(CancellationToken.None);
        (_time.GetUtcNow() - lease.CreatedAt).Should().BeGreaterThan(TimeSpan.FromDays(7));
    }

    [Fact]
    public async Task RetentionSweeper_KeepsFinishedTasks_WhenRetentionIsZero()
    {
        using var sweeper = new RetentionSweeper(_store, Options(o => o.Retention = TimeSpan.Zero), _time, NullLogger<RetentionSweeper>.Instance);

        await sweeper.StartAsync(CancellationToken.None);

        await sweeper.ExecuteTask!.WaitAsync(Within);
        sweeper.ExecuteTask.IsCompletedSuccessfully.Should().BeTrue("retention 0 keeps finished tasks forever: the sweeper does not run");
    }
}
