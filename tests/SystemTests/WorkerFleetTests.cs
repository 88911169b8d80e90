using QueueService.Tasks;
using SystemTests.Support;

namespace SystemTests;

/// <summary>Several real worker processes sharing one queue through a real redis-server.</summary>
public sealed class WorkerFleetTests
{
    private const string Queue = "risk-detection";
    private const int TaskCount = 300;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static readonly string[] Texts =
    [
        "Thanks for the call, see you next week.",
        "Just wire the money today and keep it between us.",
        "Can you send me your password so I can fix the account?",
        "The quarterly figures look fine.",
        "Act now, this offer expires in an hour: pay with gift cards.",
    ];

    [Fact]
    public async Task ThreeWorkers_RunEveryTaskExactlyOnce_When300TasksOfMixedPriorityAreShared()
    {
        await using var system = await QueueSystem.StartAsync();
        var workerIds = new[] { "fleet-1", "fleet-2", "fleet-3" };
        // All three run before the batch lands, so each competes for it from the first task on.
        await system.StartWorkersAsync(workerIds, Queue, concurrency: 2);
        var random = new Random(300);
        var ids = await system.EnqueueAsync(Enumerable.Range(0, TaskCount).Select(i =>
            new NewTask(Queue, $$"""{"text": "{{Texts[i % Texts.Length]}} (#{{i}})"}""") { Priority = random.Next(0, 101) }).ToArray());

        var counts = await system.WaitForFinishedAsync(TaskCount, Patience, "three workers should finish all 300 tasks");
        await system.StopWorkersAsync(QueueSystem.StartPatience);

        counts.Completed.Should().Be(TaskCount, "no task may fail, be cancelled or be lost: {0}", counts);
        var tasks = await system.GetAllAsync(ids);
        tasks.Should().OnlyContain(t => t.Status == QueueTaskStatus.Completed && t.Attempts == 1 && t.ResultJson != null,
            "every task completes on its first attempt with a result");
        tasks.Select(t => t.WorkerId).Distinct().Should().BeEquivalentTo(workerIds, "all three workers took part");

        // The workers have exited, so their logs are complete: one start line per handler execution.
        var starts = system.Starts();
        starts.Should().HaveCount(TaskCount, "every task was executed exactly once, no more");
        starts.Select(s => s.TaskId).Should().OnlyHaveUniqueItems().And.BeEquivalentTo(ids);
        starts.Should().OnlyContain(s => s.Attempt == 1 && s.Queue == Queue);
        var ranBy = tasks.ToDictionary(t => t.Id, t => t.WorkerId);
        starts.Should().OnlyContain(s => ranBy[s.TaskId] == s.WorkerId, "the worker that logged the execution is the one the store recorded");
        foreach (var id in workerIds)
            starts.Count(s => s.WorkerId == id).Should().BePositive($"worker {id} should have run some tasks");
    }
}
