using QueueService.Stores;
using QueueService.Tasks;
using QueueService.Tests.Support;

namespace QueueService.Tests.Stores.Contract;

// Stuck tasks (docs/failover.md): a heartbeat never renews a lease past startedAt + MaxProcessingTime +
// LeaseCeilingGrace, so a worker whose handler hangs (and keeps heartbeating) loses its lease, and the reaper
// takes the task back as a timeout — retried after backoff, or failed, as the worker's own timeout would be.
public abstract partial class QueueStoreContractTests
{
    /// <summary>The short limit of the stuck-task facts.</summary>
    private static readonly TimeSpan ShortMaxProcessing = TimeSpan.FromMilliseconds(300);
    /// <summary>The short grace of the stuck-task facts: the lease ceiling is 400 ms after the start.</summary>
    private static readonly TimeSpan ShortCeilingGrace = TimeSpan.FromMilliseconds(100);

    private Task UseShortCeilingAsync() => RecreateStoreAsync(o =>
    {
        o.MaxProcessingTime = ShortMaxProcessing;
        o.LeaseCeilingGrace = ShortCeilingGrace;
    });

    /// <summary>
    /// Plays a hung worker: heartbeats its lease over and over (its handler never ends) while the reaper runs, until
    /// the reaper takes the task back. Returns what the reaper reported and whether a heartbeat was told it was capped.
    /// </summary>
    private async Task<(ReapedTask Reaped, bool SawCap)> HeartbeatUntilReapedAsync(TaskLease lease)
    {
        var reaped = new List<ReapedTask>();
        var sawCap = false;
        await Eventually.TrueAsync(async ct =>
        {
            try
            {
                sawCap |= (await Store.HeartbeatAsync(lease, LongLease, ct)).IsLeaseCapped;
            }
            catch (QueueStoreException ex) when (ex.Error == StoreError.LeaseNotHeld)
            {
                // Reclaimed between our reap and this beat, by a reap of ours: fine, the reap says what happened.
            }
            reaped.AddRange(await Store.ReapExpiredAsync(cancellationToken: ct));
            return reaped.Any(r => r.TaskId == lease.TaskId);
        }, Patience, $"the hung lease on {lease.TaskId} should reach its ceiling and be reaped");
        return (reaped.Single(r => r.TaskId == lease.TaskId), sawCap);
    }

    [Fact]
    public async Task Heartbeat_CapsTheLeaseAtStartPlusMaxProcessingTimePlusGrace_WhenTheFullRenewalWouldPassIt()
    {
        await UseShortCeilingAsync();
        var lease = await EnqueueAndLeaseAsync();

        var beat = await Store.HeartbeatAsync(lease, LongLease);

        var task = await GetRequiredAsync(lease.TaskId);
        beat.IsLeaseCapped.Should().BeTrue();
        beat.LeaseExpiresAt.Should().Be(task.StartedAt!.Value + ShortMaxProcessing + ShortCeilingGrace);
        task.LeaseExpiresAt.Should().Be(beat.LeaseExpiresAt, "the capped expiry is the one stored");
    }

    [Fact]
    public async Task Heartbeat_RenewsInFullAndSaysNotCapped_WhenTheCeilingIsFarAway()
    {
        var lease = await EnqueueAndLeaseAsync();

        var beat = await Store.HeartbeatAsync(lease, LongLease);

        beat.IsLeaseCapped.Should().BeFalse();
        var task = await GetRequiredAsync(lease.TaskId);
        beat.LeaseExpiresAt.Should().BeAfter(task.StartedAt!.Value + LongLease - TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Reap_RetriesAfterBackoffAsATimeout_WhenAHungWorkerHeartbeatsPastMaxProcessingTime()
    {
        await UseShortCeilingAsync();
        var lease = await EnqueueAndLeaseAsync(worker: "hung-worker");

        var (reaped, sawCap) = await HeartbeatUntilReapedAsync(lease);

        sawCap.Should().BeTrue("the hung worker's heartbeats are told the lease is capped");
        reaped.Should().Be(new ReapedTask(lease.TaskId, Alpha, "hung-worker", 1, QueueTaskStatus.Scheduled, ReapReason.TimedOut));
        var task = await GetRequiredAsync(lease.TaskId);
        task.Status.Should().Be(QueueTaskStatus.Scheduled, "a timeout is a failure: retried after backoff, as the worker's own timeout is");
        task.ScheduledFor.Should().NotBeNull();
        task.Attempts.Should().Be(1);
        task.LeaseExpiresAt.Should().BeNull();
        var error = task.ErrorHistory.Should().ContainSingle().Subject;
        error.Should().BeEquivalentTo(new { Attempt = 1, Kind = TaskErrorKinds.Timeout });
        error.Message.Should().Be("The attempt ran longer than the maximum processing time (00:00:00.3000000) on worker hung-worker; its lease reached its ceiling and was reclaimed.",
            "both stores write the same text");
        await AssertRefusedAsync(lease.TaskId, StoreError.LeaseNotHeld, () => Store.HeartbeatAsync(lease, LongLease));
        var again = await LeaseWhenDueAsync(worker: "worker-2");
        again.TaskId.Should().Be(lease.TaskId);
        again.Attempt.Should().Be(2);
    }

    [Fact]
    public async Task Reap_FailsAsATimeout_WhenTheHungAttemptWasTheLast()
    {
        await UseShortCeilingAsync();
        var lease = await EnqueueAndLeaseAsync(maxRetries: 0, worker: "hung-worker");

        var (reaped, _) = await HeartbeatUntilReapedAsync(lease);

        reaped.Should().Be(new ReapedTask(lease.TaskId, Alpha, "hung-worker", 1, QueueTaskStatus.Failed, ReapReason.TimedOut));
        var task = await GetRequiredAsync(lease.TaskId);
        task.Status.Should().Be(QueueTaskStatus.Failed);
        task.CompletedAt.Should().NotBeNull();
        task.ErrorHistory.Should().ContainSingle().Which.Kind.Should().Be(TaskErrorKinds.Timeout);
        (await Store.GetStatsAsync()).Queues[Alpha].FailedTotal.Should().Be(1);
    }

    [Fact]
    public async Task Reap_CancelsAsATimeout_WhenACancelWasPendingOnTheHungTask()
    {
        await UseShortCeilingAsync();
        var lease = await EnqueueAndLeaseAsync(worker: "hung-worker");
        (await Store.CancelAsync(lease.TaskId)).Should().Be(CancelOutcome.CancelRequested);

        var (reaped, _) = await HeartbeatUntilReapedAsync(lease);

        reaped.Should().Be(new ReapedTask(lease.TaskId, Alpha, "hung-worker", 1, QueueTaskStatus.Cancelled, ReapReason.TimedOut));
        var task = await GetRequiredAsync(lease.TaskId);
        task.Status.Should().Be(QueueTaskStatus.Cancelled);
        task.ErrorHistory.Should().ContainSingle().Which.Kind.Should().Be(TaskErrorKinds.Timeout);
    }

    [Fact]
    public async Task Reap_StaysALostLeaseRequeuedInPlace_WhenTheLeaseExpiredBeforeMaxProcessingTime()
    {
        await RecreateStoreAsync(o => o.MaxProcessingTime = TimeSpan.FromSeconds(30));
        var lease = await EnqueueAndLeaseAsync(lease: ShortLease, worker: "crashed-worker");

        var reaped = await ReapWhenExpiredAsync(lease.TaskId);

        reaped.Should().Be(new ReapedTask(lease.TaskId, Alpha, "crashed-worker", 1, QueueTaskStatus.Queued, ReapReason.LeaseExpired));
        (await GetRequiredAsync(lease.TaskId)).ErrorHistory.Should().ContainSingle().Which.Kind.Should().Be(TaskErrorKinds.LeaseExpired);
    }

    [Fact]
    public async Task ReapExpired_PublishesRetriedWithTheTimeoutErrorAndDueTime_WhenAHungAttemptIsRetried()
    {
        await UseShortCeilingAsync();
        var lease = await EnqueueAndLeaseAsync(worker: "hung-worker");
        await using var events = await Store.SubscribeEventsAsync();

        await HeartbeatUntilReapedAsync(lease);

        var task = await GetRequiredAsync(lease.TaskId);
        var published = await NextEventAsync(events);
        published.Should().BeEquivalentTo(EventOf(TaskEventKind.Retried, task, 1, "hung-worker",
            error: TaskLimits.TimedOutMessage("hung-worker", ShortMaxProcessing)));
        published.Status.Should().Be(QueueTaskStatus.Scheduled);
        published.ScheduledFor.Should().Be(task.ScheduledFor);
        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task ReapExpired_PublishesFailedWithTheTimeoutError_WhenTheHungAttemptWasTheLast()
    {
        await UseShortCeilingAsync();
        var lease = await EnqueueAndLeaseAsync(maxRetries: 0, worker: "hung-worker");
        await using var events = await Store.SubscribeEventsAsync();

        await HeartbeatUntilReapedAsync(lease);

        var task = await GetRequiredAsync(lease.TaskId);
        (await NextEventAsync(events)).Should().BeEquivalentTo(
            EventOf(TaskEventKind.Failed, task, 1, "hung-worker", error: TaskLimits.TimedOutMessage("hung-worker", ShortMaxProcessing)));
        await AssertNothingElseAsync(events);
    }
}
