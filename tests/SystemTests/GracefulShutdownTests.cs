using System.Diagnostics;
using System.Globalization;
using QueueService.Tasks;
using SystemTests.Support;

namespace SystemTests;

/// <summary>SIGTERM to a worker process while it runs a long task, as a container runtime or systemd sends it.</summary>
public sealed class GracefulShutdownTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    // Process start-up and scheduling on a busy 2-core machine: what a stop may take beyond its configured budget.
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(5);

    private static Dictionary<string, string?> Grace(TimeSpan grace) => new()
    {
        ["Queue__Worker__ShutdownGracePeriod"] = grace.ToString("c", CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task Sigterm_LetsTheTaskFinishAndExitsWith0_WhenTheGracePeriodOutlastsTheTask()
    {
        var grace = TimeSpan.FromSeconds(20);
        await using var system = await QueueSystem.StartAsync();
        var worker = await system.StartWorkerAsync("finisher", SlowTranscription.Queue, concurrency: 1,
            SlowTranscription.Engine(TimeSpan.FromSeconds(3)).With(Grace(grace)));
        var id = (await system.EnqueueAsync([SlowTranscription.NewTask()]))[0];
        await worker.WaitForLineAsync(l => l.Contains($"Task {id} of queue transcription started", StringComparison.Ordinal), Patience,
            "the worker should start the task");

        var clock = Stopwatch.StartNew();
        worker.Terminate();
        var exitCode = await worker.WaitForExitAsync(grace + Margin);
        clock.Stop();

        exitCode.Should().Be(0, "SIGTERM is a graceful stop. Output:\n" + worker.Output);
        var task = (await system.Store.GetAsync(id))!;
        task.Status.Should().Be(QueueTaskStatus.Completed, "the task finished within the grace period");
        task.Attempts.Should().Be(1);
        task.WorkerId.Should().Be("finisher");
        task.ResultJson.Should().Contain("transcript of");
        WorkerLog.Count(worker.Lines, "handed back unfinished").Should().Be(0);
        worker.Lines.Should().Contain(l => l.Contains("Worker finisher stopped: 1 completed", StringComparison.Ordinal));
        clock.Elapsed.Should().BeLessThan(grace, "the worker exits as soon as its task is done, not at the end of the grace period");
    }

    [Fact]
    public async Task Sigterm_HandsTheTaskBackAndExitsWith0_WhenTheTaskOutlastsTheGracePeriod_ThenAnotherWorkerCompletesIt()
    {
        var grace = TimeSpan.FromSeconds(1);
        var outcomeTimeout = TimeSpan.FromSeconds(5);
        await using var system = await QueueSystem.StartAsync();
        var settings = SlowTranscription.Engine(TimeSpan.FromSeconds(4)).With(Grace(grace)).With(new Dictionary<string, string?>
        {
            ["Queue__Worker__OutcomeTimeout"] = outcomeTimeout.ToString("c", CultureInfo.InvariantCulture),
        });
        var stopped = await system.StartWorkerAsync("stopped", SlowTranscription.Queue, concurrency: 1, settings);
        var id = (await system.EnqueueAsync([SlowTranscription.NewTask()]))[0];
        await stopped.WaitForLineAsync(l => l.Contains($"Task {id} of queue transcription started", StringComparison.Ordinal), Patience,
            "the worker should start the task");

        stopped.Terminate();
        // The worst case of a graceful stop: the grace period, the handler's time to stop, recording the release.
        var exitCode = await stopped.WaitForExitAsync(grace + outcomeTimeout + outcomeTimeout + Margin);

        exitCode.Should().Be(0, "SIGTERM is a graceful stop. Output:\n" + stopped.Output);
        WorkerLog.Count(stopped.Lines, $"Task {id} of queue transcription handed back unfinished by worker stopped").Should().Be(1);
        var handedBack = (await system.Store.GetAsync(id))!;
        handedBack.Status.Should().Be(QueueTaskStatus.Queued, "the unfinished task is back in line, not left to the reaper");
        handedBack.Attempts.Should().Be(0, "a graceful hand-back does not count as an attempt");

        var successor = await system.StartWorkerAsync("successor", SlowTranscription.Queue, concurrency: 1, settings);
        await system.WaitForFinishedAsync(1, Patience, "another worker should run the handed-back task");
        await system.StopWorkersAsync(QueueSystem.StartPatience);

        var task = (await system.Store.GetAsync(id))!;
        task.Status.Should().Be(QueueTaskStatus.Completed);
        task.WorkerId.Should().Be("successor");
        task.Attempts.Should().Be(1);
        task.ErrorHistory.Should().BeEmpty();
        WorkerLog.Starts(successor.Lines).Should().ContainSingle().Which.Should().Be(new TaskStart(id, SlowTranscription.Queue, "successor", 1));
    }
}
