using QueueService.Tasks;
using SystemTests.Support;

namespace SystemTests;

/// <summary>The order a real worker process runs a backlog in.</summary>
public sealed class OrderingTests
{
    private const string Queue = "risk-detection";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Worker_StartsTasksByPriorityThenEnqueueOrder_WhenRunningOneAtATime()
    {
        await using var system = await QueueSystem.StartAsync();
        // Few distinct priorities, so each holds several tasks and FIFO within a priority is tested too.
        int[] priorities = [0, 10, 50, 99, 100];
        var random = new Random(60);
        var tasks = Enumerable.Range(0, 60).Select(i =>
            new NewTask(Queue, $$"""{"text": "message {{i}}"}""") { Priority = priorities[random.Next(priorities.Length)] }).ToArray();
        // The whole backlog is queued before the worker starts, so the order is the store's, not the arrival's.
        var ids = await system.EnqueueAsync(tasks);
        var expected = ids.Select((id, index) => (id, index, tasks[index].Priority))
            .OrderByDescending(t => t.Priority).ThenBy(t => t.index).Select(t => t.id).ToArray();

        await system.StartWorkerAsync("ordered", Queue, concurrency: 1);
        var counts = await system.WaitForFinishedAsync(ids.Count, Patience, "the worker should finish the backlog");
        await system.StopWorkersAsync(QueueSystem.StartPatience);

        counts.Completed.Should().Be(ids.Count, "{0}", counts);
        system.Starts().Select(s => s.TaskId).Should().Equal(expected,
            "one at a time, the worker starts the highest priority first and, within a priority, the oldest first");
    }
}
