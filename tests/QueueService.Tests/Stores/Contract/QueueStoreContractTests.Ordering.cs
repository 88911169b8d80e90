using QueueService.Tasks;

namespace QueueService.Tests.Stores.Contract;

public abstract partial class QueueStoreContractTests
{
    [Fact]
    public async Task Lease_TakesHighestPriorityFirstThenOldest_WhenPrioritiesDiffer()
    {
        var low1 = await EnqueueAsync(priority: 0);
        var high1 = await EnqueueAsync(priority: 90);
        var mid = await EnqueueAsync(priority: 50);
        var high2 = await EnqueueAsync(priority: 90);
        var low2 = await EnqueueAsync(priority: 0);

        var leases = await Store.LeaseAsync("worker-1", [Alpha], 10, LongLease);

        leases.Select(l => l.TaskId).Should().Equal(high1, high2, mid, low1, low2);
    }

    [Fact]
    public async Task Lease_KeepsSubmissionOrder_When200EqualPriorityTasksArriveInATightLoop()
    {
        // Many land in the same millisecond: order must come from the sequence, not the clock or the id.
        var ids = new List<string>();
        for (var i = 0; i < 200; i++) ids.Add(await EnqueueAsync(id: $"t{199 - i:D3}"));

        var leases = await Store.LeaseAsync("worker-1", [Alpha], 200, LongLease);

        leases.Select(l => l.TaskId).Should().Equal(ids);
    }

    [Fact]
    public async Task Lease_KeepsListOrder_WhenTasksArriveInOneBatch()
    {
        var batch = Enumerable.Range(0, 200).Select(i => Job(id: $"b{199 - i:D3}", priority: i % 2 == 0 ? 10 : 0)).ToList();

        await Store.EnqueueBatchAsync(batch);
        var leases = await Store.LeaseAsync("worker-1", [Alpha], 200, LongLease);

        var expected = batch.Where(t => t.Priority == 10).Concat(batch.Where(t => t.Priority == 0)).Select(t => t.Id);
        leases.Select(l => l.TaskId).Should().Equal(expected, "priority first, then the batch's list order");
    }

    [Fact]
    public async Task Lease_TakesTheGlobalBest_WhenLeasingFromSeveralQueues()
    {
        var alphaLow = await EnqueueAsync(Alpha, priority: 0);
        var betaLow = await EnqueueAsync(Beta, priority: 0);
        var alphaHigh = await EnqueueAsync(Alpha, priority: 5);
        var betaHigh = await EnqueueAsync(Beta, priority: 5);
        await EnqueueAsync("gamma", priority: 100);

        var first = await Store.LeaseAsync("worker-1", [Alpha, Beta], 1, LongLease);
        var rest = await Store.LeaseAsync("worker-1", [Beta, Alpha], 10, LongLease);

        first.Select(l => l.TaskId).Should().Equal(alphaHigh);
        rest.Select(l => l.TaskId).Should().Equal([betaHigh, alphaLow, betaLow], "global priority, then global FIFO; gamma is not asked for");
    }

    [Fact]
    public async Task Lease_ReturnsNothing_WhenNothingIsQueued()
    {
        await Store.EnqueueAsync(Job() with { Delay = TimeSpan.FromHours(1) });

        (await Store.LeaseAsync("worker-1", [Alpha, Beta], 5, LongLease)).Should().BeEmpty();
    }

    [Fact]
    public async Task Release_PutsTheTaskBackAtItsOriginalPlace_WhenOthersQueuedMeanwhile()
    {
        var first = await EnqueueAsync();
        var lease = await LeaseOneAsync();
        var second = await EnqueueAsync();

        await Store.ReleaseAsync(lease);

        var task = await GetRequiredAsync(first);
        task.Status.Should().Be(QueueTaskStatus.Queued);
        task.QueuePosition.Should().Be(1, "a released task was already ahead in line");
        task.Attempts.Should().Be(0, "a released attempt does not count");
        task.LeaseExpiresAt.Should().BeNull();
        task.WorkerId.Should().Be("worker-1", "the last worker is kept");
        (await Store.LeaseAsync("worker-2", [Alpha], 2, LongLease)).Select(l => l.TaskId).Should().Equal(first, second);
    }

    [Fact]
    public async Task Release_KeepsTheTasksPriority_WhenOthersOfHigherAndLowerPriorityQueuedMeanwhile()
    {
        var urgent = await EnqueueAsync(priority: 90);
        var lease = await LeaseOneAsync();
        var routine = await EnqueueAsync(priority: 50);
        var urgentToo = await EnqueueAsync(priority: 90);

        await Store.ReleaseAsync(lease);

        (await GetRequiredAsync(urgent)).QueuePosition.Should().Be(1, "it is back at the head of priority 90, where it was");
        (await Store.LeaseAsync("worker-2", [Alpha], 3, LongLease)).Select(l => l.TaskId).Should().Equal([urgent, urgentToo, routine],
            "priority first, then its original place within priority 90");
    }

    [Fact]
    public async Task Retry_PutsTheTaskAtTheBackOfItsPriority_WhenRequeuedByHand()
    {
        var failing = await EnqueueAsync(maxRetries: 0);
        await FailNowAsync(await LeaseOneAsync());
        var waiting = await EnqueueAsync();

        var retried = await Store.RetryAsync(failing);

        retried.QueuePosition.Should().Be(2);
        (await Store.LeaseAsync("worker-1", [Alpha], 2, LongLease)).Select(l => l.TaskId).Should().Equal(waiting, failing);
    }
}
