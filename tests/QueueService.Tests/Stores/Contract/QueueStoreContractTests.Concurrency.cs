using System.Collections.Concurrent;
using QueueService.Stores;
using QueueService.Tasks;

namespace QueueService.Tests.Stores.Contract;

public abstract partial class QueueStoreContractTests
{
    [Fact]
    public async Task Lease_HandsEveryTaskOutExactlyOnce_WhenEightWorkersCompeteOver10000Tasks()
    {
        const int taskCount = 10_000;
        for (var batch = 0; batch < taskCount / 1000; batch++)
            await Store.EnqueueBatchAsync(Enumerable.Range(0, 1000).Select(i => Job(priority: i % 3)).ToList());
        var leased = new ConcurrentDictionary<string, int>();

        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            // All tasks were queued before the workers started, so an empty lease means the queue is drained.
            while (true)
            {
                var leases = await Store.LeaseAsync($"worker-{w}", [Alpha], 4, LongLease);
                if (leases.Count == 0) return;
                foreach (var lease in leases)
                {
                    leased.AddOrUpdate(lease.TaskId, 1, (_, n) => n + 1);
                    await Store.CompleteAsync(lease, null);
                }
            }
        })).ToList();
        await Task.WhenAll(workers);

        leased.Should().HaveCount(taskCount, "no task may be lost");
        leased.Values.Should().OnlyContain(n => n == 1, "no task may be handed out twice");
        var stats = (await Store.GetStatsAsync()).Queues[Alpha];
        stats.Counts.Should().Be(new StatusCounts(0, 0, 0, taskCount, 0, 0));
        stats.CompletedTotal.Should().Be(taskCount);
    }

    [Fact]
    public async Task Lease_HandsEveryTaskOutExactlyOnce_WhenProducersEnqueueWhileWorkersLease()
    {
        const int producers = 4;
        const int perProducer = 500;
        var leased = new ConcurrentDictionary<string, int>();
        var enqueued = new ConcurrentBag<string>();

        var producerTasks = Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perProducer; i++) enqueued.Add((await Store.EnqueueAsync(Job(priority: i % 5))).Id);
        })).ToList();
        var allProduced = Task.WhenAll(producerTasks);
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            while (true)
            {
                // Checked before leasing: once production is over, an empty lease means nothing is left.
                var done = allProduced.IsCompleted;
                var leases = await Store.LeaseAsync($"worker-{w}", [Alpha], 3, LongLease);
                if (leases.Count == 0)
                {
                    if (done) return;
                    // Idle like a real worker: wait for a wake-up (or a short time-out), never spin.
                    await Store.WaitForWorkAsync([Alpha], TimeSpan.FromMilliseconds(50));
                    continue;
                }
                foreach (var lease in leases)
                {
                    leased.AddOrUpdate(lease.TaskId, 1, (_, n) => n + 1);
                    await Store.CompleteAsync(lease, null);
                }
            }
        })).ToList();
        await allProduced;
        await Task.WhenAll(workers);

        // Sorted and compared in order: BeEquivalentTo on thousands of strings is quadratic.
        leased.Keys.Order(StringComparer.Ordinal).Should().Equal(enqueued.Order(StringComparer.Ordinal), "every enqueued task is leased, and nothing else");
        leased.Values.Should().OnlyContain(n => n == 1);
        (await Store.GetStatsAsync()).Queues[Alpha].Counts.Completed.Should().Be(producers * perProducer);
    }
}
