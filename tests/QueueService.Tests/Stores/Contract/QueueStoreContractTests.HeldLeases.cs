using QueueService.Snapshots;
using QueueService.Stores;
using QueueService.Tasks;
using QueueService.Tests.Support;

namespace QueueService.Tests.Stores.Contract;

// A restore after Redis lost its data gives running tasks back to the workers running them
// (ImportOptions.HoldLeasesFor), and a worker can ask which leases the store says it holds.
public abstract partial class QueueStoreContractTests
{
    private static readonly ImportOptions HoldForAMinute = new() { HoldLeasesFor = TimeSpan.FromMinutes(1) };

    [Fact]
    public async Task Import_BringsRunningTasksBackUnderTheirLease_WhenHoldingLeases()
    {
        var id = await EnqueueAsync(Alpha, priority: 50);
        var cancelling = await EnqueueAsync(Alpha, priority: 50);
        var queued = await EnqueueAsync(Alpha);
        var leases = await Store.LeaseAsync("worker-1", [Alpha], 2, ShortLease);
        await Store.ReportProgressAsync(leases[0], new TaskProgress(40, "halfway"));
        await Store.CancelAsync(cancelling);
        var before = await GetRequiredAsync(id);
        var snapshot = await Store.ExportAsync();
        var target = await FreshStoreAsync();
        try
        {
            var result = await target.ImportAsync(snapshot, HoldForAMinute);

            result.Should().Be(new ImportResult(Imported: 3, Skipped: 0, Requeued: 0, Held: 2));
            var held = await target.GetAsync(id);
            held!.Status.Should().Be(QueueTaskStatus.Processing);
            held.Should().BeEquivalentTo(before, o => o.Excluding(t => t.LeaseExpiresAt).Excluding(t => t.QueuePosition).Excluding(t => t.EstimatedWait),
                "the attempt, worker, start and progress come back as they were");
            held.LeaseExpiresAt.Should().BeAfter(DateTimeOffset.UtcNow + TimeSpan.FromSeconds(50),
                "the lease was 300 ms in the snapshot; a held one runs from the import");
            (await target.GetAsync(queued))!.Status.Should().Be(QueueTaskStatus.Queued);

            var beat = await target.HeartbeatAsync(leases[1], LongLease);
            beat.IsCancelRequested.Should().BeTrue("a pending cancel stays pending under a held lease");
            await target.CompleteAsync(leases[0], """{"text":"done"}""");
            var done = await target.GetAsync(id);
            done!.Status.Should().Be(QueueTaskStatus.Completed, "the worker that held the lease records its outcome with its own token");
            done.ResultJson.Should().Be("""{"text":"done"}""");
        }
        finally
        {
            await DisposeStoreAsync(target);
        }
    }

    [Fact]
    public async Task Import_RequeuesRunningTasks_WhenNotHoldingLeases()
    {
        var lease = await EnqueueAndLeaseAsync();
        var snapshot = await Store.ExportAsync();
        var target = await FreshStoreAsync();
        try
        {
            (await target.ImportAsync(snapshot, ImportOptions.Default)).Should().Be(new ImportResult(1, 0, Requeued: 1, Held: 0));

            (await target.GetAsync(lease.TaskId))!.Status.Should().Be(QueueTaskStatus.Queued);
            await target.Invoking(s => s.CompleteAsync(lease, null)).Should().ThrowAsync<QueueStoreException>()
                .Where(e => e.Error == StoreError.LeaseNotHeld, "a requeued task's old lease is gone");
        }
        finally
        {
            await DisposeStoreAsync(target);
        }
    }

    [Fact]
    public async Task Import_NeverHandsOutAHeldLeaseTokenAgain_WhenTheSnapshotsSequenceIsBehindIt()
    {
        var lease = await EnqueueAndLeaseAsync();
        var queued = await EnqueueAsync(Alpha);
        var snapshot = await Store.ExportAsync();
        // The held lease's token far above every task's own sequence, and the snapshot's sequence behind both: only
        // the token itself can keep the store from handing it out again.
        const long HeldToken = 1_000;
        snapshot.Sequence = 0;
        snapshot.Tasks.Single(t => t.Id == lease.TaskId).LeaseToken = HeldToken;
        var held = lease with { LeaseToken = HeldToken };
        var target = await FreshStoreAsync();
        try
        {
            await target.ImportAsync(snapshot, HoldForAMinute);

            var next = (await target.LeaseAsync("worker-2", [Alpha], 1, LongLease)).Should().ContainSingle().Subject;

            next.TaskId.Should().Be(queued);
            next.LeaseToken.Should().BeGreaterThan(HeldToken, "a new lease must never carry a token a held lease has");
            await target.HeartbeatAsync(held, LongLease);
            await target.CompleteAsync(held, null);
            (await target.GetAsync(lease.TaskId))!.Status.Should().Be(QueueTaskStatus.Completed, "the held lease is still the task's");
        }
        finally
        {
            await DisposeStoreAsync(target);
        }
    }

    [Fact]
    public async Task Import_LetsTheReaperReclaimAHeldLease_WhenNobodyRenewsIt()
    {
        var lease = await EnqueueAndLeaseAsync(worker: "gone-worker");
        var snapshot = await Store.ExportAsync();
        await RecreateStoreAsync(_ => { }); // an empty store, as Redis after losing its data
        await Store.ImportAsync(snapshot, new ImportOptions { HoldLeasesFor = TimeSpan.FromMilliseconds(200) });

        var reaped = await ReapWhenExpiredAsync(lease.TaskId);

        reaped.Should().Be(new ReapedTask(lease.TaskId, Alpha, "gone-worker", 1, QueueTaskStatus.Queued, ReapReason.LeaseExpired));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(3_600_001)]
    public async Task Import_RefusesAHoldOutsideItsRange(int holdMs)
    {
        var snapshot = await Store.ExportAsync();

        await AssertInvalidAsync("options", () => Store.ImportAsync(snapshot, new ImportOptions { HoldLeasesFor = TimeSpan.FromMilliseconds(holdMs) }));
    }

    [Fact]
    public async Task ListLeases_ReturnsEveryLeaseOfTheWorker_ExpiredOrNot()
    {
        var ids = new List<string>();
        for (var i = 0; i < 4; i++) ids.Add(await EnqueueAsync(id: $"t-{i}"));
        var expired = (await Store.LeaseAsync("worker-a", [Alpha], 1, TimeSpan.FromMilliseconds(1))).Single();
        var live = (await Store.LeaseAsync("worker-a", [Alpha], 1, LongLease)).Single();
        var others = (await Store.LeaseAsync("worker-b", [Alpha], 1, LongLease)).Single();
        var done = (await Store.LeaseAsync("worker-a", [Alpha], 1, LongLease)).Single();
        await Store.CompleteAsync(done, null);
        await AMillisecondPassesAsync(expired.LeaseExpiresAt);

        var leases = await Store.ListLeasesAsync("worker-a");

        leases.Should().BeEquivalentTo([expired, live], o => o.WithStrictOrdering().Excluding(l => l.LeaseExpiresAt),
            "both of worker-a's running tasks, by id, and neither worker-b's nor the finished one");
        leases.Select(l => l.LeaseExpiresAt).Should().Equal(expired.LeaseExpiresAt, live.LeaseExpiresAt);
        (await Store.ListLeasesAsync("worker-b")).Should().ContainSingle().Which.LeaseToken.Should().Be(others.LeaseToken);
        (await Store.ListLeasesAsync("nobody")).Should().BeEmpty();
    }

    [Fact]
    public async Task ListLeases_ForgetsALease_OnceItIsReclaimedOrHandedBack()
    {
        var reclaimed = await EnqueueAndLeaseAsync(lease: ShortLease, worker: "worker-a");
        var handedBack = await EnqueueAndLeaseAsync(worker: "worker-a");
        await ReapWhenExpiredAsync(reclaimed.TaskId);
        await Store.ReleaseAsync(handedBack);

        (await Store.ListLeasesAsync("worker-a")).Should().BeEmpty();
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task ListLeases_RefusesABlankWorkerId(string workerId) =>
        await AssertInvalidAsync("workerId", () => Store.ListLeasesAsync(workerId));
}
