using QueueService.Tasks;
using SystemTests.Support;

namespace SystemTests;

/// <summary>A worker process that dies without a word (<c>kill -9</c>) in the middle of a task.</summary>
public sealed class WorkerCrashTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task KilledWorkersTask_IsReclaimedAfterItsLeaseAndCompletedByAnother_WhenTheWorkerGetsSigkill()
    {
        await using var system = await QueueSystem.StartAsync();
        // The lease reaper runs in the API process, as in production; the workers do not run maintenance.
        var api = await system.StartApiAsync(new Dictionary<string, string?> { ["Queue__Maintenance__ReapInterval"] = "00:00:00.500" });
        var settings = SlowTranscription.Engine(TimeSpan.FromSeconds(2)).With(new Dictionary<string, string?>
        {
            // Short, so the test waits little for the reaper, yet five heartbeats long, so a busy machine
            // does not make the surviving worker lose its own leases.
            ["Queue__Worker__LeaseDuration"] = "00:00:05",
            ["Queue__Worker__HeartbeatInterval"] = "00:00:01",
        });
        var doomed = await system.StartWorkerAsync("doomed", SlowTranscription.Queue, concurrency: 1, settings);
        var ids = await system.EnqueueAsync([SlowTranscription.NewTask(), SlowTranscription.NewTask(), SlowTranscription.NewTask()]);

        var startLine = await doomed.WaitForLineAsync(l => l.Contains("started on worker doomed", StringComparison.Ordinal), Patience,
            "the first worker should start a task");
        var victim = WorkerLog.Starts([startLine]).Single().TaskId;
        doomed.KillHard();
        (await doomed.WaitForExitAsync(Patience)).Should().Be(137, "SIGKILL ends a process with 128 + 9");
        var heir = await system.StartWorkerAsync("heir", SlowTranscription.Queue, concurrency: 2, settings);

        var counts = await system.WaitForFinishedAsync(ids.Count, Patience, "the second worker should finish every task, the reclaimed one included");
        await system.StopWorkersAsync(QueueSystem.StartPatience);

        counts.Completed.Should().Be(ids.Count, "nothing is lost: {0}", counts);
        var tasks = (await system.GetAllAsync(ids)).ToDictionary(t => t.Id);
        var reclaimed = tasks[victim];
        reclaimed.WorkerId.Should().Be("heir");
        reclaimed.Attempts.Should().Be(2, "the killed worker's attempt counts, then the second worker's");
        reclaimed.ErrorHistory.Should().ContainSingle().Which.Should().Match<TaskErrorEntry>(e =>
            e.Kind == TaskErrorKinds.LeaseExpired && e.Attempt == 1 && e.Message.Contains("doomed"));
        api.Lines.Should().Contain(l => l.Contains($"Reclaimed task {victim}", StringComparison.Ordinal) && l.Contains("from worker doomed", StringComparison.Ordinal),
            "the reaper reclaimed it once its lease expired");
        tasks.Values.Where(t => t.Id != victim).Should().OnlyContain(t => t.Attempts == 1 && t.WorkerId == "heir");

        WorkerLog.Starts(doomed.Lines).Should().ContainSingle().Which.Should().Be(new TaskStart(victim, SlowTranscription.Queue, "doomed", 1));
        WorkerLog.Starts(heir.Lines).Select(s => (s.TaskId, s.Attempt)).Should().BeEquivalentTo(
            ids.Select(id => (id, id == victim ? 2 : 1)), "the second worker ran each task once, the reclaimed one as attempt 2");
    }
}
