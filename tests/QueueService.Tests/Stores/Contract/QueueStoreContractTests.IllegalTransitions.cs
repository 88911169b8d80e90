using QueueService.Stores;
using QueueService.Tasks;

namespace QueueService.Tests.Stores.Contract;

public abstract partial class QueueStoreContractTests
{
    /// <summary>Puts a fresh task into <paramref name="status"/> and returns its id and (for processing) its lease.</summary>
    private async Task<(string Id, TaskLease? Lease)> TaskInStatusAsync(QueueTaskStatus status)
    {
        switch (status)
        {
            case QueueTaskStatus.Queued:
                return (await EnqueueAsync(), null);
            case QueueTaskStatus.Scheduled:
                return ((await Store.EnqueueAsync(Job() with { Delay = TimeSpan.FromHours(1) })).Id, null);
            case QueueTaskStatus.Processing:
                var held = await EnqueueAndLeaseAsync();
                return (held.TaskId, held);
            case QueueTaskStatus.Completed:
                var done = await EnqueueAndLeaseAsync();
                await Store.CompleteAsync(done, "{}");
                return (done.TaskId, done);
            case QueueTaskStatus.Failed:
                var failed = await EnqueueAndLeaseAsync(maxRetries: 0);
                await FailNowAsync(failed);
                return (failed.TaskId, failed);
            default:
                var cancelled = await EnqueueAsync();
                await Store.CancelAsync(cancelled);
                return (cancelled, null);
        }
    }

    [Theory]
    [InlineData(QueueTaskStatus.Completed)]
    [InlineData(QueueTaskStatus.Failed)]
    [InlineData(QueueTaskStatus.Cancelled)]
    public async Task Cancel_IsRefusedAsIllegalAndChangesNothing_WhenTheTaskIsFinished(QueueTaskStatus status)
    {
        var (id, _) = await TaskInStatusAsync(status);

        var refusal = await AssertRefusedAsync(id, StoreError.IllegalTransition, () => Store.CancelAsync(id));

        refusal.Message.Should().Be(TaskTransitions.Describe(TaskOperation.Cancel, id, status));
    }

    [Theory]
    [InlineData(QueueTaskStatus.Queued)]
    [InlineData(QueueTaskStatus.Scheduled)]
    [InlineData(QueueTaskStatus.Processing)]
    [InlineData(QueueTaskStatus.Completed)]
    public async Task Retry_IsRefusedAsIllegalAndChangesNothing_WhenTheTaskIsNotFailedOrCancelled(QueueTaskStatus status)
    {
        var (id, _) = await TaskInStatusAsync(status);

        var refusal = await AssertRefusedAsync(id, StoreError.IllegalTransition, () => Store.RetryAsync(id));

        refusal.Message.Should().Be(TaskTransitions.Describe(TaskOperation.Retry, id, status));
    }

    [Theory]
    [InlineData(QueueTaskStatus.Completed)]
    [InlineData(QueueTaskStatus.Failed)]
    [InlineData(QueueTaskStatus.Cancelled)]
    public async Task LeaseHolderCalls_AreRefusedWithLeaseNotHeldAndChangeNothing_WhenTheTaskIsFinished(QueueTaskStatus status)
    {
        var lease = status == QueueTaskStatus.Cancelled
            ? await CancelledWhileLeasedAsync()
            : (await TaskInStatusAsync(status)).Lease!;

        await AssertRefusedAsync(lease.TaskId, StoreError.LeaseNotHeld, () => Store.CompleteAsync(lease, "{\"again\":1}"));
        await AssertRefusedAsync(lease.TaskId, StoreError.LeaseNotHeld, () => Store.FailAsync(lease, new TaskFailure("again")));
        await AssertRefusedAsync(lease.TaskId, StoreError.LeaseNotHeld, () => Store.HeartbeatAsync(lease, LongLease));
        await AssertRefusedAsync(lease.TaskId, StoreError.LeaseNotHeld, () => Store.ReportProgressAsync(lease, new TaskProgress(1)));
        await AssertRefusedAsync(lease.TaskId, StoreError.LeaseNotHeld, () => Store.ReleaseAsync(lease));
        await AssertRefusedAsync(lease.TaskId, StoreError.LeaseNotHeld, () => Store.ConfirmCancelAsync(lease));
    }

    [Fact]
    public async Task LeaseHolderCalls_AreRefusedWithLeaseNotHeld_WhenTheTaskWasRetriedAndLeasedAgain()
    {
        var old = await EnqueueAndLeaseAsync(maxRetries: 0);
        await FailNowAsync(old);
        await Store.RetryAsync(old.TaskId);
        var current = await LeaseOneAsync(worker: "worker-2");

        await AssertRefusedAsync(old.TaskId, StoreError.LeaseNotHeld, () => Store.CompleteAsync(old, null));

        current.LeaseToken.Should().NotBe(old.LeaseToken, "lease tokens are never reused");
    }

    [Fact]
    public async Task LeaseHolderCalls_AreRefusedWithLeaseNotHeld_WhenTheTokenIsWrong()
    {
        var lease = await EnqueueAndLeaseAsync();
        var forged = lease with { LeaseToken = lease.LeaseToken + 1000 };

        await AssertRefusedAsync(lease.TaskId, StoreError.LeaseNotHeld, () => Store.CompleteAsync(forged, null));
        await AssertRefusedAsync(lease.TaskId, StoreError.LeaseNotHeld, () => Store.ReleaseAsync(forged));
    }

    [Fact]
    public async Task LeaseHolderCalls_AreRefusedWithLeaseNotHeld_WhenTheTaskIsBackInTheQueue()
    {
        var lease = await EnqueueAndLeaseAsync();
        await Store.ReleaseAsync(lease);

        await AssertRefusedAsync(lease.TaskId, StoreError.LeaseNotHeld, () => Store.CompleteAsync(lease, null));
        await AssertRefusedAsync(lease.TaskId, StoreError.LeaseNotHeld, () => Store.FailAsync(lease, new TaskFailure("x")));
    }

    private async Task<TaskLease> CancelledWhileLeasedAsync()
    {
        var lease = await EnqueueAndLeaseAsync();
        await Store.CancelAsync(lease.TaskId);
        await Store.ConfirmCancelAsync(lease);
        return lease;
    }
}
