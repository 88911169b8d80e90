using QueueService.Stores;
using QueueService.Tasks;

namespace QueueService.Tests.Stores.Contract;

public abstract partial class QueueStoreContractTests
{
    [Fact]
    public async Task Cancel_CancelsAtOnce_WhenTheTaskIsQueued()
    {
        var id = await EnqueueAsync();
        var behind = await EnqueueAsync();

        (await Store.CancelAsync(id)).Should().Be(CancelOutcome.Cancelled);

        var task = await GetRequiredAsync(id);
        task.Status.Should().Be(QueueTaskStatus.Cancelled);
        task.CompletedAt.Should().NotBeNull();
        task.QueuePosition.Should().BeNull();
        (await GetRequiredAsync(behind)).QueuePosition.Should().Be(1);
        (await Store.LeaseAsync("worker-1", [Alpha], 5, LongLease)).Select(l => l.TaskId).Should().Equal(behind);
    }

    [Fact]
    public async Task Cancel_CancelsAtOnce_WhenTheTaskIsScheduled()
    {
        var id = (await Store.EnqueueAsync(Job() with { Delay = TimeSpan.FromMilliseconds(100) })).Id;

        (await Store.CancelAsync(id)).Should().Be(CancelOutcome.Cancelled);

        var task = await GetRequiredAsync(id);
        task.Status.Should().Be(QueueTaskStatus.Cancelled);
        task.ScheduledFor.Should().BeNull();
        (await Store.ListAsync(new TaskQuery(QueueTaskStatus.Scheduled))).Total.Should().Be(0);
    }

    [Fact]
    public async Task Cancel_RequestsCancellationAndHeartbeatReportsIt_WhenTheTaskIsProcessing()
    {
        var lease = await EnqueueAndLeaseAsync();

        (await Store.CancelAsync(lease.TaskId)).Should().Be(CancelOutcome.CancelRequested);
        (await Store.CancelAsync(lease.TaskId)).Should().Be(CancelOutcome.CancelRequested, "asking twice is allowed");

        var task = await GetRequiredAsync(lease.TaskId);
        task.Status.Should().Be(QueueTaskStatus.Processing, "the worker still runs it until it notices");
        task.IsCancelRequested.Should().BeTrue();
        (await Store.HeartbeatAsync(lease, LongLease)).IsCancelRequested.Should().BeTrue();

        await Store.ConfirmCancelAsync(lease);

        task = await GetRequiredAsync(lease.TaskId);
        task.Status.Should().Be(QueueTaskStatus.Cancelled);
        task.CompletedAt.Should().NotBeNull();
        task.LeaseExpiresAt.Should().BeNull();
    }

    [Fact]
    public async Task Fail_CancelsTheTask_WhenACancelWasRequested()
    {
        var lease = await EnqueueAndLeaseAsync();
        await Store.CancelAsync(lease.TaskId);

        var outcome = await Store.FailAsync(lease, new TaskFailure("stopped", RetryDelay: TimeSpan.Zero));

        outcome.Should().Be(new FailOutcome(QueueTaskStatus.Cancelled, null));
        var task = await GetRequiredAsync(lease.TaskId);
        task.Status.Should().Be(QueueTaskStatus.Cancelled);
        task.ErrorHistory.Should().ContainSingle("the error joins the history either way").Which.Message.Should().Be("stopped");
    }

    [Fact]
    public async Task Release_CancelsTheTask_WhenACancelWasRequested()
    {
        var lease = await EnqueueAndLeaseAsync();
        await Store.CancelAsync(lease.TaskId);

        await Store.ReleaseAsync(lease);

        var task = await GetRequiredAsync(lease.TaskId);
        task.Status.Should().Be(QueueTaskStatus.Cancelled);
        task.Attempts.Should().Be(0, "a released attempt does not count, whatever the outcome");
        (await Store.LeaseAsync("worker-1", [Alpha], 1, LongLease)).Should().BeEmpty();
    }

    [Fact]
    public async Task Complete_CompletesAnyway_WhenACancelWasRequested()
    {
        var lease = await EnqueueAndLeaseAsync();
        await Store.CancelAsync(lease.TaskId);

        await Store.CompleteAsync(lease, "{\"done\":1}");

        var task = await GetRequiredAsync(lease.TaskId);
        task.Status.Should().Be(QueueTaskStatus.Completed, "the work was done");
        task.ResultJson.Should().Be("{\"done\":1}");
    }

    [Fact]
    public async Task Reap_CancelsTheTask_WhenACancelWasPendingOnTheExpiredLease()
    {
        var lease = await EnqueueAndLeaseAsync(lease: ShortLease);
        await Store.CancelAsync(lease.TaskId);

        var reaped = await ReapWhenExpiredAsync(lease.TaskId);

        reaped.NewStatus.Should().Be(QueueTaskStatus.Cancelled);
        var task = await GetRequiredAsync(lease.TaskId);
        task.Status.Should().Be(QueueTaskStatus.Cancelled);
        task.ErrorHistory.Should().ContainSingle().Which.Kind.Should().Be(TaskErrorKinds.LeaseExpired);
    }

    [Fact]
    public async Task Cancel_IsRefusedWithNotFound_WhenTheTaskDoesNotExist()
    {
        var refusal = (await Store.Invoking(s => s.CancelAsync("missing")).Should().ThrowAsync<QueueStoreException>()).Which;

        refusal.Error.Should().Be(StoreError.NotFound);
    }
}
