using Microsoft.Extensions.Time.Testing;
using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Tasks;

namespace QueueService.Tests.Stores.Memory;

/// <summary>
/// Time-driven behaviour of the in-memory store, on a <see cref="FakeTimeProvider"/>: exact
/// boundaries (one millisecond before and at the deadline) without waiting. Memory only: the Redis
/// store takes its time from the server's <c>TIME</c>, which cannot be faked; the contract suite
/// checks the same behaviour against both stores on real time, with short durations.
/// </summary>
public sealed class InMemoryQueueStoreTimeTests
{
    // Sub-millisecond ticks on purpose: the store must truncate them.
    private static readonly DateTimeOffset Start = new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero).AddTicks(12_345);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly InMemoryQueueStore _store;

    public InMemoryQueueStoreTimeTests()
    {
        var options = new QueueStoreOptions
        {
            Backoff = new BackoffOptions { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(4), JitterFraction = 0 },
        };
        _store = new InMemoryQueueStore(options, _time);
    }

    private static DateTimeOffset StartMs => DateTimeOffset.FromUnixTimeMilliseconds(Start.ToUnixTimeMilliseconds());

    private async Task<TaskLease> EnqueueAndLeaseAsync(int maxRetries = 3)
    {
        await _store.EnqueueAsync(new NewTask("alpha", "{}") { MaxRetries = maxRetries });
        return (await _store.LeaseAsync("worker-1", ["alpha"], 1, Lease)).Single();
    }

    [Fact]
    public async Task Enqueue_TruncatesTimesToMilliseconds_WhenTheClockHasFinerTicks()
    {
        var result = await _store.EnqueueAsync(new NewTask("alpha", "{}"));

        result.CreatedAt.Should().Be(StartMs);
        (await _store.GetAsync(result.Id))!.UpdatedAt.Should().Be(StartMs);
    }

    [Fact]
    public async Task Reap_ReclaimsTheTask_ExactlyWhenTheLeaseExpires()
    {
        var lease = await EnqueueAndLeaseAsync();
        lease.LeaseExpiresAt.Should().Be(StartMs + Lease);

        _time.Advance(Lease - TimeSpan.FromMilliseconds(1));
        (await _store.ReapExpiredAsync()).Should().BeEmpty("the lease has a millisecond left");

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var reaped = await _store.ReapExpiredAsync();

        reaped.Should().ContainSingle().Which.NewStatus.Should().Be(QueueTaskStatus.Queued);
        var task = await _store.GetAsync(lease.TaskId);
        task!.ErrorHistory.Should().ContainSingle().Which.At.Should().Be(StartMs + Lease);
    }

    [Fact]
    public async Task Heartbeat_PushesTheExpiryFromNow_WhenTimeHasPassed()
    {
        var lease = await EnqueueAndLeaseAsync();
        _time.Advance(TimeSpan.FromSeconds(20));

        var beat = await _store.HeartbeatAsync(lease, Lease);
        _time.Advance(TimeSpan.FromSeconds(20));

        beat.LeaseExpiresAt.Should().Be(StartMs + TimeSpan.FromSeconds(50));
        (await _store.ReapExpiredAsync()).Should().BeEmpty("the heartbeat renewed the lease to 50 s");
        _time.Advance(TimeSpan.FromSeconds(10));
        (await _store.ReapExpiredAsync()).Should().ContainSingle();
    }

    [Fact]
    public async Task Fail_SchedulesRetriesOnTheDoublingBackoff_CappedAtTheMaximum()
    {
        var lease = await EnqueueAndLeaseAsync(maxRetries: 4);
        TimeSpan[] expectedDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(4)];

        foreach (var delay in expectedDelays)
        {
            var failedAt = _time.GetUtcNow();
            var outcome = await _store.FailAsync(lease, new TaskFailure("again"));
            outcome.RetryAt.Should().Be(DateTimeOffset.FromUnixTimeMilliseconds((failedAt + delay).ToUnixTimeMilliseconds()));

            _time.Advance(delay - TimeSpan.FromMilliseconds(1));
            (await _store.LeaseAsync("worker-1", ["alpha"], 1, Lease)).Should().BeEmpty("the backoff has a millisecond left");
            _time.Advance(TimeSpan.FromMilliseconds(1));
            lease = (await _store.LeaseAsync("worker-1", ["alpha"], 1, Lease)).Single();
        }

        lease.Attempt.Should().Be(5);
        (await _store.FailAsync(lease, new TaskFailure("last"))).Status.Should().Be(QueueTaskStatus.Failed);
    }

    [Fact]
    public async Task PromoteDue_QueuesADelayedTask_ExactlyWhenItsDelayHasPassed()
    {
        var id = (await _store.EnqueueAsync(new NewTask("alpha", "{}") { Delay = TimeSpan.FromMinutes(10) })).Id;
        (await _store.GetAsync(id))!.ScheduledFor.Should().Be(StartMs + TimeSpan.FromMinutes(10));

        _time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(1));
        (await _store.PromoteDueAsync()).Should().Be(0);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        (await _store.PromoteDueAsync()).Should().Be(1);
        (await _store.GetAsync(id))!.Status.Should().Be(QueueTaskStatus.Queued);
    }

    [Fact]
    public async Task Get_EstimatesTheWaitFromTheMovingAverage_WhenCompletionsTookKnownTimes()
    {
        var first = await EnqueueAndLeaseAsync();
        _time.Advance(TimeSpan.FromSeconds(10));
        await _store.CompleteAsync(first, null);
        var second = await EnqueueAndLeaseAsync();
        _time.Advance(TimeSpan.FromSeconds(20));
        await _store.CompleteAsync(second, null);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add((await _store.EnqueueAsync(new NewTask("alpha", "{}"))).Id);

        // 10 s, then 10 + 0.2 × (20 − 10) = 12 s; no task processing: one slot.
        (await _store.GetStatsAsync()).Queues["alpha"].AverageProcessingTime.Should().Be(TimeSpan.FromSeconds(12));
        var waits = new List<TimeSpan?>();
        foreach (var id in ids) waits.Add((await _store.GetAsync(id))!.EstimatedWait);
        waits.Should().Equal(TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(24), TimeSpan.FromSeconds(36));
    }

    [Fact]
    public async Task Purge_DeletesATask_OnlyOnceItIsStrictlyOlderThanTheCutoff()
    {
        var lease = await EnqueueAndLeaseAsync();
        await _store.CompleteAsync(lease, null);

        _time.Advance(TimeSpan.FromHours(1));
        (await _store.PurgeFinishedAsync(TimeSpan.FromHours(1))).Should().Be(0, "exactly an hour old is not older than an hour");

        _time.Advance(TimeSpan.FromMilliseconds(1));
        (await _store.PurgeFinishedAsync(TimeSpan.FromHours(1))).Should().Be(1);
    }

    [Fact]
    public async Task WaitForWork_ReturnsFalse_WhenFakeTimePassesTheMaximumWait()
    {
        var waiting = _store.WaitForWorkAsync(["alpha"], TimeSpan.FromMinutes(5));

        _time.Advance(TimeSpan.FromMinutes(5));

        (await waiting.WaitAsync(TimeSpan.FromSeconds(5))).Should().BeFalse();
    }

    [Fact]
    public async Task ListWorkers_KeepsAWorkerUntilItsTtl_AndDropsItExactlyThen()
    {
        var worker = new WorkerInfo("worker-1", "host", 1, ["alpha"], 1, [], Start);
        await _store.RegisterWorkerAsync(worker, TimeSpan.FromSeconds(10));
        var registered = (await _store.ListWorkersAsync()).Single();
        registered.LastHeartbeatAt.Should().Be(DateTimeOffset.FromUnixTimeMilliseconds(Start.ToUnixTimeMilliseconds()),
            "the store stamps it from its clock, truncated to milliseconds");

        // Measured from the truncated registration time, as Redis does from TIME.
        var expiresAt = DateTimeOffset.FromUnixTimeMilliseconds(Start.ToUnixTimeMilliseconds() + 10_000);
        _time.Advance(expiresAt - _time.GetUtcNow() - TimeSpan.FromMilliseconds(1));
        (await _store.ListWorkersAsync()).Should().ContainSingle("one millisecond before the ttl it is still live");

        _time.Advance(TimeSpan.FromMilliseconds(1));
        (await _store.ListWorkersAsync()).Should().BeEmpty("at the ttl it has expired");
    }

    [Fact]
    public async Task RegisterWorker_ExtendsTheTtlFromTheRefresh_WhenRefreshed()
    {
        var worker = new WorkerInfo("worker-1", "host", 1, ["alpha"], 1, [], Start);
        await _store.RegisterWorkerAsync(worker, TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(8));

        await _store.RegisterWorkerAsync(worker with { CurrentTaskIds = ["t-1"] }, TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(8));

        var listed = (await _store.ListWorkersAsync()).Should().ContainSingle("the refresh restarted its ttl").Which;
        listed.CurrentTaskIds.Should().Equal("t-1");
        listed.LastHeartbeatAt.Should().Be(DateTimeOffset.FromUnixTimeMilliseconds(Start.ToUnixTimeMilliseconds() + 8_000));
    }
}
