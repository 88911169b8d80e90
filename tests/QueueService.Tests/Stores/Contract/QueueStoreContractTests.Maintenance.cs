using QueueService.Stores;
using QueueService.Tasks;
using QueueService.Tests.Support;

namespace QueueService.Tests.Stores.Contract;

public abstract partial class QueueStoreContractTests
{
    [Fact]
    public async Task PromoteDue_QueuesDueTasksAtTheBackOfTheirPriority_WhenTheirTimeHasCome()
    {
        var delayed = (await Store.EnqueueAsync(Job() with { Delay = TimeSpan.FromMilliseconds(100) })).Id;
        var notDue = (await Store.EnqueueAsync(Job() with { Delay = TimeSpan.FromHours(1) })).Id;
        var waiting = await EnqueueAsync();

        var promoted = 0;
        await Eventually.TrueAsync(async ct => (promoted += await Store.PromoteDueAsync(cancellationToken: ct)) > 0,
            Patience, "the 100 ms delay should pass");

        promoted.Should().Be(1);
        var task = await GetRequiredAsync(delayed);
        task.Status.Should().Be(QueueTaskStatus.Queued);
        task.ScheduledFor.Should().BeNull();
        task.QueuePosition.Should().Be(2, "a promoted task goes behind tasks already queued at its priority");
        (await GetRequiredAsync(notDue)).Status.Should().Be(QueueTaskStatus.Scheduled);
        (await Store.LeaseAsync("worker-1", [Alpha], 5, LongLease)).Select(l => l.TaskId).Should().Equal(waiting, delayed);
    }

    [Fact]
    public async Task PromoteDue_PromotesNothing_WhenNothingIsDue()
    {
        await Store.EnqueueAsync(Job() with { Delay = TimeSpan.FromHours(1) });
        await EnqueueAsync();

        (await Store.PromoteDueAsync()).Should().Be(0);
    }

    [Fact]
    public async Task PromoteDue_PromotesAtMostMaxTasks_WhenMoreAreDue()
    {
        for (var i = 0; i < 5; i++) await Store.EnqueueAsync(Job() with { Delay = TimeSpan.FromMilliseconds(20) });
        await Eventually.TrueAsync(async ct => (await Store.ListAsync(new TaskQuery(QueueTaskStatus.Scheduled), ct)).Items
            .All(t => t.ScheduledFor < DateTimeOffset.UtcNow.AddMilliseconds(-5)), Patience, "every delay should pass");

        (await Store.PromoteDueAsync(maxTasks: 3)).Should().Be(3);
        (await Store.PromoteDueAsync(maxTasks: 3)).Should().Be(2);
    }

    [Fact]
    public async Task Lease_PromotesDueTasksFirst_WhenNoPromoterRan()
    {
        var id = (await Store.EnqueueAsync(Job() with { Delay = TimeSpan.FromMilliseconds(50) })).Id;

        var lease = await LeaseWhenDueAsync();

        lease.TaskId.Should().Be(id);
    }

    [Fact]
    public async Task Purge_DeletesOnlyFinishedTasks_WhenTheyAreOlderThanTheCutoff()
    {
        var completed = await EnqueueAndLeaseAsync();
        await Store.CompleteAsync(completed, null);
        var failed = await EnqueueAndLeaseAsync(maxRetries: 0);
        await FailNowAsync(failed);
        var cancelled = await EnqueueAsync();
        await Store.CancelAsync(cancelled);
        var processing = await EnqueueAndLeaseAsync();
        var queued = await EnqueueAsync();
        var scheduled = (await Store.EnqueueAsync(Job() with { Delay = TimeSpan.FromHours(1) })).Id;
        var unfinished = new List<QueueTask>();
        foreach (var id in new[] { queued, scheduled, processing.TaskId }) unfinished.Add(await GetRequiredAsync(id));

        long purged = 0;
        await Eventually.TrueAsync(async ct => (purged += await Store.PurgeFinishedAsync(TimeSpan.Zero, cancellationToken: ct)) == 3,
            Patience, "the three finished tasks should be purged once a millisecond has passed");

        (await Store.GetAsync(completed.TaskId)).Should().BeNull();
        (await Store.GetAsync(failed.TaskId)).Should().BeNull();
        (await Store.GetAsync(cancelled)).Should().BeNull();
        foreach (var before in unfinished) (await GetRequiredAsync(before.Id)).Should().BeEquivalentTo(before, "purge never touches unfinished tasks");
        (await Store.ListAsync(new TaskQuery())).Total.Should().Be(3);
        (await Store.ListAsync(new TaskQuery(QueueTaskStatus.Completed))).Total.Should().Be(0);
    }

    [Fact]
    public async Task Purge_KeepsTasksFinishedWithinTheCutoff()
    {
        var old = await EnqueueAndLeaseAsync();
        await Store.CompleteAsync(old, null);
        var oldFinish = (await GetRequiredAsync(old.TaskId)).CompletedAt!.Value;
        // Store time and this machine's clock agree for both stores (Redis runs locally in tests).
        // A cutoff of 1.5 s with 3 s between the finishes: either side may stall 1.5 s on a busy machine.
        await Eventually.TrueAsync(_ => Task.FromResult(DateTimeOffset.UtcNow > oldFinish + TimeSpan.FromSeconds(3)),
            Patience, "three seconds should pass after the first task finished");
        var recent = await EnqueueAndLeaseAsync();
        await Store.CompleteAsync(recent, null);

        (await Store.PurgeFinishedAsync(TimeSpan.FromHours(1))).Should().Be(0, "nothing finished an hour ago");
        (await Store.PurgeFinishedAsync(TimeSpan.FromSeconds(1.5))).Should().Be(1);

        (await Store.GetAsync(old.TaskId)).Should().BeNull();
        (await GetRequiredAsync(recent.TaskId)).Status.Should().Be(QueueTaskStatus.Completed);
    }

    [Fact]
    public async Task Purge_IsRefusedAsInvalid_WhenTheAgeIsNegative()
    {
        await AssertInvalidAsync("olderThan", () => Store.PurgeFinishedAsync(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public async Task PromoteDue_IsRefusedAsInvalid_WhenMaxTasksIsZero()
    {
        await AssertInvalidAsync("maxTasks", () => Store.PromoteDueAsync(maxTasks: 0));
        await AssertInvalidAsync("maxTasks", () => Store.PromoteDueAsync(maxTasks: -1));
    }

    [Fact]
    public async Task ReapExpired_IsRefusedAsInvalid_WhenMaxTasksIsZero()
    {
        await AssertInvalidAsync("maxTasks", () => Store.ReapExpiredAsync(maxTasks: 0));
        await AssertInvalidAsync("maxTasks", () => Store.ReapExpiredAsync(maxTasks: -1));
    }

    [Fact]
    public async Task PurgeFinished_IsRefusedAsInvalid_WhenMaxTasksIsZero()
    {
        await AssertInvalidAsync("maxTasks", () => Store.PurgeFinishedAsync(TimeSpan.Zero, maxTasks: 0));
        await AssertInvalidAsync("maxTasks", () => Store.PurgeFinishedAsync(TimeSpan.Zero, maxTasks: -1));
    }

    [Fact]
    public async Task PurgeFinished_DeletesTheOldestFirst_WhenLimited()
    {
        // Four finished tasks, each finishing a few milliseconds after the one before, in an order
        // that crosses statuses: a store going status by status would pick completed ones first.
        var completedFirst = await EnqueueAndLeaseAsync();
        await Store.CompleteAsync(completedFirst, null);
        await AMillisecondPassesAsync((await GetRequiredAsync(completedFirst.TaskId)).CompletedAt!.Value);
        var failedSecond = await EnqueueAndLeaseAsync(maxRetries: 0);
        await FailNowAsync(failedSecond);
        await AMillisecondPassesAsync((await GetRequiredAsync(failedSecond.TaskId)).CompletedAt!.Value);
        var cancelledThird = await EnqueueAsync();
        await Store.CancelAsync(cancelledThird);
        await AMillisecondPassesAsync((await GetRequiredAsync(cancelledThird)).CompletedAt!.Value);
        var completedFourth = await EnqueueAndLeaseAsync();
        await Store.CompleteAsync(completedFourth, null);
        await AMillisecondPassesAsync((await GetRequiredAsync(completedFourth.TaskId)).CompletedAt!.Value);

        (await Store.PurgeFinishedAsync(TimeSpan.Zero, maxTasks: 2)).Should().Be(2);

        (await Store.GetAsync(completedFirst.TaskId)).Should().BeNull("it finished first");
        (await Store.GetAsync(failedSecond.TaskId)).Should().BeNull("it finished second, before a later completed task");
        (await GetRequiredAsync(cancelledThird)).Status.Should().Be(QueueTaskStatus.Cancelled);
        (await GetRequiredAsync(completedFourth.TaskId)).Status.Should().Be(QueueTaskStatus.Completed);
        (await Store.PurgeFinishedAsync(TimeSpan.Zero, maxTasks: 1)).Should().Be(1);
        (await Store.GetAsync(cancelledThird)).Should().BeNull("it is now the oldest");
    }
}
