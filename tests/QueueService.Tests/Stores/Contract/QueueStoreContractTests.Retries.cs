using QueueService.Stores;
using QueueService.Tasks;

namespace QueueService.Tests.Stores.Contract;

public abstract partial class QueueStoreContractTests
{
    [Fact]
    public async Task Fail_SchedulesARetryAfterTheBackoff_WhenRetryableAndAttemptsRemain()
    {
        var lease = await EnqueueAndLeaseAsync();

        var outcome = await Store.FailAsync(lease, new TaskFailure("transient"));

        outcome.Status.Should().Be(QueueTaskStatus.Scheduled);
        var task = await GetRequiredAsync(lease.TaskId);
        task.Status.Should().Be(QueueTaskStatus.Scheduled);
        task.ScheduledFor.Should().Be(outcome.RetryAt);
        // The suite's backoff: 50 ms before the first retry, no jitter.
        outcome.RetryAt.Should().Be(task.UpdatedAt + Options.Backoff.BaseDelay);
        task.LeaseExpiresAt.Should().BeNull();
        task.LastError.Should().Be("transient");
        task.CompletedAt.Should().BeNull();

        var again = await LeaseWhenDueAsync();

        again.TaskId.Should().Be(lease.TaskId);
        again.Attempt.Should().Be(2);
        (await GetRequiredAsync(lease.TaskId)).ScheduledFor.Should().BeNull();
    }

    [Fact]
    public async Task Fail_UsesTheGivenRetryDelay_WhenOneIsGiven()
    {
        var lease = await EnqueueAndLeaseAsync();

        var outcome = await Store.FailAsync(lease, new TaskFailure("later", RetryDelay: TimeSpan.FromMinutes(5)));

        var task = await GetRequiredAsync(lease.TaskId);
        outcome.RetryAt.Should().Be(task.UpdatedAt + TimeSpan.FromMinutes(5));
        (await Store.LeaseAsync("worker-1", [Alpha], 1, LongLease)).Should().BeEmpty("the retry is five minutes away");
    }

    [Fact]
    public async Task Fail_DeadLettersTheTask_WhenMaxRetriesPlusOneAttemptsFailed()
    {
        var id = await EnqueueAsync(maxRetries: 2);

        var outcomes = new List<FailOutcome>();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var lease = await LeaseWhenDueAsync();
            lease.Attempt.Should().Be(attempt);
            outcomes.Add(await FailNowAsync(lease, $"error {attempt}"));
        }

        outcomes.Select(o => o.Status).Should().Equal(QueueTaskStatus.Scheduled, QueueTaskStatus.Scheduled, QueueTaskStatus.Failed);
        outcomes[2].RetryAt.Should().BeNull();
        var task = await GetRequiredAsync(id);
        task.Status.Should().Be(QueueTaskStatus.Failed);
        task.Attempts.Should().Be(3);
        task.CompletedAt.Should().NotBeNull();
        task.ScheduledFor.Should().BeNull();
        task.LastError.Should().Be("error 3");
        task.ErrorHistory.Select(e => (e.Attempt, e.Message, e.Kind))
            .Should().Equal((1, "error 1", TaskErrorKinds.Error), (2, "error 2", TaskErrorKinds.Error), (3, "error 3", TaskErrorKinds.Error));
        var stats = (await Store.GetStatsAsync()).Queues[Alpha];
        stats.FailedTotal.Should().Be(1, "one task was dead-lettered");
        (await Store.LeaseAsync("worker-1", [Alpha], 1, LongLease)).Should().BeEmpty();
    }

    [Fact]
    public async Task Fail_FailsAtOnce_WhenTheErrorIsNotRetryable()
    {
        var lease = await EnqueueAndLeaseAsync(maxRetries: 5);

        var outcome = await Store.FailAsync(lease, new TaskFailure("bad payload", IsRetryable: false));

        outcome.Should().Be(new FailOutcome(QueueTaskStatus.Failed, null));
        var task = await GetRequiredAsync(lease.TaskId);
        task.Status.Should().Be(QueueTaskStatus.Failed);
        task.ErrorHistory.Should().ContainSingle().Which.Message.Should().Be("bad payload");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Fail_RecordsTheKindAsError_WhenTheKindIsBlank(string kind)
    {
        var lease = await EnqueueAndLeaseAsync();

        await Store.FailAsync(lease, new TaskFailure("boom", kind, RetryDelay: TimeSpan.Zero));

        (await GetRequiredAsync(lease.TaskId)).ErrorHistory.Should().ContainSingle()
            .Which.Kind.Should().Be(TaskErrorKinds.Error);
    }

    [Fact]
    public async Task Fail_RecordsTheKindAndCutsLongMessages_WhenTheErrorIsLarge()
    {
        var lease = await EnqueueAndLeaseAsync();

        await Store.FailAsync(lease, new TaskFailure(new string('e', TaskLimits.MaxErrorLength + 50), TaskErrorKinds.Timeout, RetryDelay: TimeSpan.Zero));

        var entry = (await GetRequiredAsync(lease.TaskId)).ErrorHistory.Should().ContainSingle().Subject;
        entry.Kind.Should().Be(TaskErrorKinds.Timeout);
        entry.Message.Should().HaveLength(TaskLimits.MaxErrorLength);
    }

    [Fact]
    public async Task Fail_KeepsOnlyTheLastErrors_WhenTheHistoryOverflows()
    {
        var id = await EnqueueAsync(maxRetries: TaskLimits.ErrorHistoryLength + 2);

        for (var attempt = 1; attempt <= TaskLimits.ErrorHistoryLength + 2; attempt++)
            await FailNowAsync(await LeaseWhenDueAsync(), $"error {attempt}");

        var history = (await GetRequiredAsync(id)).ErrorHistory;
        history.Should().HaveCount(TaskLimits.ErrorHistoryLength);
        history[0].Message.Should().Be("error 3");
        history[^1].Message.Should().Be($"error {TaskLimits.ErrorHistoryLength + 2}");
    }

    [Fact]
    public async Task Retry_RequeuesAFailedTaskWithAttemptsReset_WhenRetriedByHand()
    {
        var lease = await EnqueueAndLeaseAsync(maxRetries: 0);
        await Store.ReportProgressAsync(lease, new TaskProgress(30));
        await FailNowAsync(lease, "dead");

        var retried = await Store.RetryAsync(lease.TaskId);

        retried.Status.Should().Be(QueueTaskStatus.Queued);
        retried.QueuePosition.Should().Be(1);
        retried.Attempts.Should().Be(0);
        retried.CompletedAt.Should().BeNull();
        retried.ScheduledFor.Should().BeNull();
        retried.Progress.Should().BeNull();
        retried.ResultJson.Should().BeNull();
        retried.IsCancelRequested.Should().BeFalse();
        retried.ErrorHistory.Should().ContainSingle("the error history is kept").Which.Message.Should().Be("dead");
        (await GetRequiredAsync(lease.TaskId)).Should().BeEquivalentTo(retried);
        var again = await LeaseOneAsync();
        again.Attempt.Should().Be(1, "attempts were reset");
    }

    [Fact]
    public async Task Retry_RequeuesACancelledTask_WhenRetriedByHand()
    {
        var lease = await EnqueueAndLeaseAsync();
        await Store.CancelAsync(lease.TaskId);
        await Store.ConfirmCancelAsync(lease);

        var retried = await Store.RetryAsync(lease.TaskId);

        retried.Status.Should().Be(QueueTaskStatus.Queued);
        retried.IsCancelRequested.Should().BeFalse("the cancel flag is cleared");
        retried.Attempts.Should().Be(0);
        (await LeaseOneAsync()).TaskId.Should().Be(lease.TaskId);
    }

    [Fact]
    public async Task Retry_IsRefusedWithNotFound_WhenTheTaskDoesNotExist()
    {
        var refusal = (await Store.Invoking(s => s.RetryAsync("missing")).Should().ThrowAsync<QueueStoreException>()).Which;

        refusal.Error.Should().Be(StoreError.NotFound);
        refusal.TaskId.Should().Be("missing");
    }
}
