using QueueService.Stores;
using QueueService.Tasks;

namespace QueueService.Tests.Stores.Contract;

// CompleteAndLease: a worker's completions and its next leases in one atomic step, each part exactly as
// CompleteAsync and LeaseAsync are.
public abstract partial class QueueStoreContractTests
{
    [Fact]
    public async Task CompleteAndLease_CompletesEachThenLeasesTheFreedSlots_InOneStep()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add(await EnqueueAsync());
        var leased = await Store.LeaseAsync("worker-1", [Alpha], 2, LongLease);

        var result = await Store.CompleteAndLeaseAsync(
            [new TaskCompletion(leased[0], """{"text":"one"}"""), new TaskCompletion(leased[1], null)], "worker-1", [Alpha], 2, LongLease);

        result.Refusals.Should().HaveCount(2).And.OnlyContain(r => r == null);
        result.Leases.Select(l => l.TaskId).Should().Equal(ids[2], ids[3]);
        result.Leases.Should().AllSatisfy(l => l.Attempt.Should().Be(1));
        result.Leases.Select(l => l.LeaseToken).Should().OnlyHaveUniqueItems().And.NotIntersectWith(leased.Select(l => l.LeaseToken));
        var first = await GetRequiredAsync(ids[0]);
        first.Status.Should().Be(QueueTaskStatus.Completed);
        first.ResultJson.Should().Be("""{"text":"one"}""");
        first.LeaseExpiresAt.Should().BeNull();
        (await GetRequiredAsync(ids[1])).Status.Should().Be(QueueTaskStatus.Completed);
        var next = await GetRequiredAsync(ids[2]);
        next.Status.Should().Be(QueueTaskStatus.Processing);
        next.LeaseExpiresAt.Should().Be(result.Leases[0].LeaseExpiresAt);
        var stats = (await Store.GetStatsAsync()).Queues[Alpha];
        stats.CompletedTotal.Should().Be(2);
        stats.Counts.Processing.Should().Be(2);
        stats.Counts.Queued.Should().Be(1);
        (await GetRequiredAsync(ids[4])).QueuePosition.Should().Be(1);
    }

    [Fact]
    public async Task CompleteAndLease_RefusesOnlyTheStaleOrUnknownCompletions_AndStillRecordsTheRestAndLeases()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await EnqueueAsync());
        var leased = await Store.LeaseAsync("worker-1", [Alpha], 2, LongLease);
        await Store.CompleteAsync(leased[0], "\"first\"");
        var ghost = leased[1] with { TaskId = "no-such-task" };

        var result = await Store.CompleteAndLeaseAsync(
            [new TaskCompletion(leased[0], "\"again\""), new TaskCompletion(leased[1], null), new TaskCompletion(ghost, null)],
            "worker-1", [Alpha], 1, LongLease);

        result.Refusals[0].Should().BeOfType<QueueStoreException>().Which.Error.Should().Be(StoreError.LeaseNotHeld);
        result.Refusals[1].Should().BeNull();
        result.Refusals[2].Should().BeOfType<QueueStoreException>().Which.Error.Should().Be(StoreError.NotFound);
        result.Leases.Select(l => l.TaskId).Should().Equal(ids[2]);
        var first = await GetRequiredAsync(ids[0]);
        first.ResultJson.Should().Be("\"first\"", "a refused completion changes nothing");
        (await GetRequiredAsync(ids[1])).Status.Should().Be(QueueTaskStatus.Completed);
        (await Store.GetStatsAsync()).Queues[Alpha].CompletedTotal.Should().Be(2, "the stale completion is not counted");
    }

    [Fact]
    public async Task CompleteAndLease_OnlyRecordsTheCompletions_WhenMaxTasksIsZero()
    {
        var lease = await EnqueueAndLeaseAsync();
        var waiting = await EnqueueAsync();

        var result = await Store.CompleteAndLeaseAsync([new TaskCompletion(lease, null)], "worker-1", [Alpha], 0, LongLease);

        result.Refusals.Should().ContainSingle().Which.Should().BeNull();
        result.Leases.Should().BeEmpty();
        (await GetRequiredAsync(lease.TaskId)).Status.Should().Be(QueueTaskStatus.Completed);
        (await GetRequiredAsync(waiting)).QueuePosition.Should().Be(1);
    }

    [Fact]
    public async Task CompleteAndLease_LeasesLikeLease_WhenThereIsNothingToComplete()
    {
        var low = await EnqueueAsync(Beta, priority: 1);
        var high = await EnqueueAsync(Alpha, priority: 50);

        var result = await Store.CompleteAndLeaseAsync([], "worker-1", [Alpha, Beta], 5, LongLease);

        result.Refusals.Should().BeEmpty();
        result.Leases.Select(l => l.TaskId).Should().Equal(high, low);
    }

    [Fact]
    public async Task CompleteAndLease_PublishesTheCompletionsBeforeTheStarts()
    {
        var lease = await EnqueueAndLeaseAsync();
        var next = await EnqueueAsync();
        await using var events = await Store.SubscribeEventsAsync();

        await Store.CompleteAndLeaseAsync([new TaskCompletion(lease, null)], "worker-1", [Alpha], 1, LongLease);

        var published = await NextEventsAsync(events, 2);
        published.Select(e => (e.Kind, e.TaskId)).Should().Equal((TaskEventKind.Completed, lease.TaskId), (TaskEventKind.Started, next));
        await AssertNothingElseAsync(events);
    }

    public static TheoryData<string, int, string, int> InvalidCompleteAndLeaseRequests() => new()
    {
        { "maxTasks", -1, "worker-1", 1 },
        { "maxTasks", 1001, "worker-1", 1 },
        { "workerId", 0, "", 1 },
        { "completions", 1, "worker-1", 1001 },
    };

    [Theory]
    [MemberData(nameof(InvalidCompleteAndLeaseRequests))]
    public async Task CompleteAndLease_IsRefusedAsInvalidAndRecordsNothing_WhenARequestFieldIsBad(string field, int maxTasks, string worker, int completions)
    {
        var lease = await EnqueueAndLeaseAsync();

        await AssertInvalidAsync(field, () => Store.CompleteAndLeaseAsync(
            Enumerable.Repeat(new TaskCompletion(lease, null), completions).ToList(), worker, [Alpha], maxTasks, LongLease));

        (await GetRequiredAsync(lease.TaskId)).Status.Should().Be(QueueTaskStatus.Processing, "a refused call records nothing");
    }
}
