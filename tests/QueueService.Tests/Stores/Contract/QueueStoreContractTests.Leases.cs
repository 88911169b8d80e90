using QueueService.Stores;
using QueueService.Tasks;

namespace QueueService.Tests.Stores.Contract;

public abstract partial class QueueStoreContractTests
{
    [Fact]
    public async Task Lease_MakesTasksProcessingWithFreshTokens_WhenLeasingManyInOneCall()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add(await EnqueueAsync(priority: 3));

        var leases = await Store.LeaseAsync("worker-1", [Alpha], 3, LongLease);

        leases.Select(l => l.TaskId).Should().Equal(ids.Take(3));
        leases.Select(l => l.LeaseToken).Should().OnlyHaveUniqueItems();
        leases.Should().AllSatisfy(l =>
        {
            l.Attempt.Should().Be(1);
            l.WorkerId.Should().Be("worker-1");
            l.Type.Should().Be(Alpha);
            l.Priority.Should().Be(3);
            l.MaxRetries.Should().Be(3);
            l.PayloadJson.Should().Be("{}");
        });
        var task = await GetRequiredAsync(ids[0]);
        task.Status.Should().Be(QueueTaskStatus.Processing);
        task.Attempts.Should().Be(1);
        task.WorkerId.Should().Be("worker-1");
        task.StartedAt.Should().NotBeNull();
        task.LeaseExpiresAt.Should().Be(leases[0].LeaseExpiresAt);
        task.LeaseExpiresAt.Should().Be(task.StartedAt + LongLease);
        task.CreatedAt.Should().Be(leases[0].CreatedAt);
        task.QueuePosition.Should().BeNull();
        (await GetRequiredAsync(ids[3])).QueuePosition.Should().Be(1);
    }

    public static TheoryData<string, int, int> InvalidLeaseRequests() => new()
    {
        { "workerId", 1, 1000 },
        { "queues", 1, 1000 },
        { "maxTasks", 0, 1000 },
        { "maxTasks", 1001, 1000 },
        { "leaseDuration", 1, 0 },
        { "leaseDuration", 1, -5 },
    };

    [Theory]
    [MemberData(nameof(InvalidLeaseRequests))]
    public async Task Lease_IsRefusedAsInvalid_WhenARequestFieldIsBad(string field, int maxTasks, int leaseMs)
    {
        await EnqueueAsync();
        var worker = field == "workerId" ? "" : "worker-1";
        string[] queues = field == "queues" ? [] : [Alpha];

        await AssertInvalidAsync(field, () => Store.LeaseAsync(worker, queues, maxTasks, TimeSpan.FromMilliseconds(leaseMs)));

        (await Store.GetStatsAsync()).Totals.Queued.Should().Be(1, "a refused lease takes nothing");
    }

    [Fact]
    public async Task Lease_IsRefusedAsInvalid_WhenAQueueNameIsBad()
    {
        await AssertInvalidAsync("queues", () => Store.LeaseAsync("worker-1", [Alpha, "Not Valid"], 1, LongLease));
        await AssertInvalidAsync("leaseDuration", () => Store.LeaseAsync("worker-1", [Alpha], 1, TimeSpan.FromHours(25)));
    }

    [Fact]
    public async Task Heartbeat_RenewsTheLease_WhenTheLeaseIsHeld()
    {
        var lease = await EnqueueAndLeaseAsync(lease: ShortLease);
        var leased = await GetRequiredAsync(lease.TaskId);
        await AMillisecondPassesAsync(leased.UpdatedAt);

        var beat = await Store.HeartbeatAsync(lease, TimeSpan.FromMinutes(10));

        beat.IsCancelRequested.Should().BeFalse();
        beat.LeaseExpiresAt.Should().BeAfter(lease.LeaseExpiresAt);
        var task = await GetRequiredAsync(lease.TaskId);
        task.LeaseExpiresAt.Should().Be(beat.LeaseExpiresAt);
        task.Status.Should().Be(QueueTaskStatus.Processing);
        task.UpdatedAt.Should().Be(leased.UpdatedAt, "a heartbeat is lease bookkeeping, not a change users see");
        (await Store.ReapExpiredAsync()).Should().BeEmpty("the renewed lease runs for ten minutes");
    }

    [Fact]
    public async Task ReportProgressAndCancel_ChangeUpdatedAt_WhenTheTaskIsProcessing()
    {
        var lease = await EnqueueAndLeaseAsync();
        var leased = await GetRequiredAsync(lease.TaskId);
        await AMillisecondPassesAsync(leased.UpdatedAt);

        await Store.ReportProgressAsync(lease, new TaskProgress(10));
        var progressed = await GetRequiredAsync(lease.TaskId);
        await AMillisecondPassesAsync(progressed.UpdatedAt);
        await Store.CancelAsync(lease.TaskId);
        var cancelRequested = await GetRequiredAsync(lease.TaskId);

        progressed.UpdatedAt.Should().BeAfter(leased.UpdatedAt, "progress is a change users see");
        cancelRequested.UpdatedAt.Should().BeAfter(progressed.UpdatedAt, "a cancel request is a change users see");
    }

    [Fact]
    public async Task ReportProgress_ReadsBackNullMessageAndDetails_WhenTheyAreEmpty()
    {
        var lease = await EnqueueAndLeaseAsync();
        await Store.ReportProgressAsync(lease, new TaskProgress(5, "step", "{\"a\":1}"));

        await Store.ReportProgressAsync(lease, new TaskProgress(20, "", ""));

        (await GetRequiredAsync(lease.TaskId)).Progress.Should().Be(new TaskProgress(20, null, null),
            "an empty message or details is stored as absent");
    }

    [Fact]
    public async Task ReportProgress_ClampsThePercentAndKeepsTheMessage_WhenTheLeaseIsHeld()
    {
        var lease = await EnqueueAndLeaseAsync();

        await Store.ReportProgressAsync(lease, new TaskProgress(150, "almost", "{\"chunk\":3}"));
        (await GetRequiredAsync(lease.TaskId)).Progress.Should().Be(new TaskProgress(100, "almost", "{\"chunk\":3}"));

        await Store.ReportProgressAsync(lease, new TaskProgress(-3));
        (await GetRequiredAsync(lease.TaskId)).Progress.Should().Be(new TaskProgress(0));
    }

    [Fact]
    public async Task ReportProgress_IsRefusedAsInvalid_WhenDetailsExceedThePayloadLimit()
    {
        var lease = await EnqueueAndLeaseAsync();
        var details = "\"" + new string('x', Options.MaxPayloadBytes) + "\"";

        await AssertInvalidAsync("details", () => Store.ReportProgressAsync(lease, new TaskProgress(5, null, details)));

        (await GetRequiredAsync(lease.TaskId)).Progress.Should().BeNull();
    }

    [Fact]
    public async Task Lease_ClearsTheProgressOfTheLastAttempt_WhenLeasedAgain()
    {
        var lease = await EnqueueAndLeaseAsync();
        await Store.ReportProgressAsync(lease, new TaskProgress(40));
        await FailNowAsync(lease);

        var again = await LeaseWhenDueAsync();

        again.Attempt.Should().Be(2);
        (await GetRequiredAsync(again.TaskId)).Progress.Should().BeNull();
    }

    [Fact]
    public async Task Reap_RequeuesAtTheOriginalPlaceWithAHistoryEntry_WhenTheLeaseExpiredAndAttemptsRemain()
    {
        var first = await EnqueueAsync();
        var lease = await LeaseOneAsync(lease: ShortLease, worker: "crashed-worker");
        var second = await EnqueueAsync();

        var reaped = await ReapWhenExpiredAsync(first);

        reaped.Should().Be(new ReapedTask(first, Alpha, "crashed-worker", 1, QueueTaskStatus.Queued));
        var task = await GetRequiredAsync(first);
        task.Status.Should().Be(QueueTaskStatus.Queued);
        task.QueuePosition.Should().Be(1, "a reclaimed task was already ahead in line");
        task.Attempts.Should().Be(1, "the lost attempt counts");
        task.LeaseExpiresAt.Should().BeNull();
        task.ErrorHistory.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Attempt = 1, Kind = TaskErrorKinds.LeaseExpired });
        task.ErrorHistory[0].Message.Should().Be("The lease of worker crashed-worker expired before the task finished.",
            "both stores write the same text");
        var next = await Store.LeaseAsync("worker-2", [Alpha], 2, LongLease);
        next.Select(l => l.TaskId).Should().Equal(first, second);
        next[0].Attempt.Should().Be(2);
        next[0].LeaseToken.Should().NotBe(lease.LeaseToken);
    }

    [Fact]
    public async Task Reap_FailsTheTask_WhenTheExpiredAttemptWasTheLast()
    {
        var lease = await EnqueueAndLeaseAsync(maxRetries: 0, lease: ShortLease);

        var reaped = await ReapWhenExpiredAsync(lease.TaskId);

        reaped.NewStatus.Should().Be(QueueTaskStatus.Failed);
        var task = await GetRequiredAsync(lease.TaskId);
        task.Status.Should().Be(QueueTaskStatus.Failed);
        task.CompletedAt.Should().NotBeNull();
        task.ErrorHistory.Should().ContainSingle().Which.Kind.Should().Be(TaskErrorKinds.LeaseExpired);
        (await Store.GetStatsAsync()).Queues[Alpha].FailedTotal.Should().Be(1);
    }

    [Fact]
    public async Task Reap_LeavesLiveLeasesAlone_WhenTheyHaveNotExpired()
    {
        var live = await EnqueueAndLeaseAsync();
        var dying = await EnqueueAndLeaseAsync(lease: ShortLease);

        await ReapWhenExpiredAsync(dying.TaskId);

        (await GetRequiredAsync(live.TaskId)).Status.Should().Be(QueueTaskStatus.Processing);
    }

    [Fact]
    public async Task StaleWorker_IsRefusedWithLeaseNotHeldAndChangesNothing_WhenItsLeaseWasReclaimed()
    {
        var stale = await EnqueueAndLeaseAsync(lease: ShortLease, worker: "slow-worker");
        await ReapWhenExpiredAsync(stale.TaskId);
        var current = await LeaseOneAsync(worker: "new-worker");

        await AssertRefusedAsync(stale.TaskId, StoreError.LeaseNotHeld, () => Store.CompleteAsync(stale, "{\"late\":true}"));
        await AssertRefusedAsync(stale.TaskId, StoreError.LeaseNotHeld, () => Store.FailAsync(stale, new TaskFailure("late")));
        await AssertRefusedAsync(stale.TaskId, StoreError.LeaseNotHeld, () => Store.HeartbeatAsync(stale, LongLease));
        await AssertRefusedAsync(stale.TaskId, StoreError.LeaseNotHeld, () => Store.ReportProgressAsync(stale, new TaskProgress(99)));
        await AssertRefusedAsync(stale.TaskId, StoreError.LeaseNotHeld, () => Store.ReleaseAsync(stale));
        await AssertRefusedAsync(stale.TaskId, StoreError.LeaseNotHeld, () => Store.ConfirmCancelAsync(stale));

        var task = await GetRequiredAsync(stale.TaskId);
        task.WorkerId.Should().Be("new-worker");
        await Store.CompleteAsync(current, "{\"ok\":true}");
        (await GetRequiredAsync(stale.TaskId)).ResultJson.Should().Be("{\"ok\":true}");
    }

    [Fact]
    public async Task StaleWorker_IsRefusedWithLeaseNotHeld_WhenTheTaskWasReclaimedButNotYetLeasedAgain()
    {
        var stale = await EnqueueAndLeaseAsync(lease: ShortLease);
        await ReapWhenExpiredAsync(stale.TaskId);

        await AssertRefusedAsync(stale.TaskId, StoreError.LeaseNotHeld, () => Store.CompleteAsync(stale, null));
        await AssertRefusedAsync(stale.TaskId, StoreError.LeaseNotHeld, () => Store.HeartbeatAsync(stale, LongLease));
    }

    [Fact]
    public async Task LeaseHolderCalls_AreRefusedWithNotFound_WhenTheTaskDoesNotExist()
    {
        var ghost = (await EnqueueAndLeaseAsync()) with { TaskId = "no-such-task" };

        async Task ExpectNotFound(Func<Task> act) =>
            (await act.Should().ThrowAsync<QueueStoreException>()).Which.Error.Should().Be(StoreError.NotFound);

        await ExpectNotFound(() => Store.CompleteAsync(ghost, null));
        await ExpectNotFound(() => Store.FailAsync(ghost, new TaskFailure("x")));
        await ExpectNotFound(() => Store.HeartbeatAsync(ghost, LongLease));
        await ExpectNotFound(() => Store.ReportProgressAsync(ghost, new TaskProgress(1)));
        await ExpectNotFound(() => Store.ReleaseAsync(ghost));
        await ExpectNotFound(() => Store.ConfirmCancelAsync(ghost));
    }

    [Fact]
    public async Task Complete_FinishesWithTheResultAndClearsTheLease_WhenTheLeaseIsHeld()
    {
        var lease = await EnqueueAndLeaseAsync();

        await Store.CompleteAsync(lease, "{\"text\":\"hello\"}");

        var task = await GetRequiredAsync(lease.TaskId);
        task.Status.Should().Be(QueueTaskStatus.Completed);
        task.ResultJson.Should().Be("{\"text\":\"hello\"}");
        task.CompletedAt.Should().NotBeNull();
        task.UpdatedAt.Should().Be(task.CompletedAt!.Value);
        task.LeaseExpiresAt.Should().BeNull();
        task.WorkerId.Should().Be("worker-1");
        task.Attempts.Should().Be(1);
        var stats = (await Store.GetStatsAsync()).Queues[Alpha];
        stats.CompletedTotal.Should().Be(1);
        stats.AverageProcessingTime.Should().Be(task.CompletedAt - task.StartedAt, "the first sample is the average");
    }
}
