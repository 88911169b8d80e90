using QueueService.Tasks;
using QueueService.Tests.Support;
using QueueService.Workers;

namespace QueueService.Tests.Workers;

/// <summary>A task's spooled files go when it completes, and stay while it may run again (retries, hand-backs, an operator's retry of a failed or cancelled task).</summary>
public sealed class QueueWorkerServiceSpoolTests
{
    [Fact]
    public async Task Execute_DeletesSpooledFiles_WhenTaskCompletes()
    {
        await using var harness = new WorkerHarness([new DelegateHandler(WorkerHarness.Queue, _ => Task.FromResult<string?>("1"))]);
        var id = await harness.EnqueueAsync();
        var folder = WorkerHarness.WriteSpoolFile(harness.Spool, id);
        await harness.StartAsync();

        await harness.WaitForCompletedAsync(1, "the task should complete");

        Directory.Exists(folder).Should().BeFalse("a completed task's files are deleted");
    }

    [Fact]
    public async Task Execute_KeepsFiles_BetweenRetriesAndAfterTheLastAttemptFails()
    {
        string? folder = null;
        var filesThereAtAttempt = new List<bool>();
        var handler = new DelegateHandler(WorkerHarness.Queue, _ =>
        {
            lock (filesThereAtAttempt) filesThereAtAttempt.Add(File.Exists(Path.Combine(folder!, "audio.wav")));
            throw new InvalidOperationException("engine crashed");
        });
        await using var harness = new WorkerHarness([handler]);
        var id = await harness.EnqueueAsync(maxRetries: 2);
        folder = WorkerHarness.WriteSpoolFile(harness.Spool, id);
        await harness.StartAsync();

        await harness.WaitForStatusAsync(id, QueueTaskStatus.Failed, "three failed attempts use up the retries");
        await Eventually.TrueAsync(_ => Task.FromResult(harness.State.Failed == 3), WorkerHarness.Within, "the third failure should be counted");

        filesThereAtAttempt.Should().Equal([true, true, true], "every retry still finds the input");
        Directory.Exists(folder).Should().BeTrue("an operator may still retry a failed task; the retention sweep deletes its files once it is purged");
    }

    [Fact]
    public async Task Execute_KeepsSpooledFiles_WhenHandlerFailsPermanently()
    {
        var handler = new DelegateHandler(WorkerHarness.Queue, _ => throw new PermanentTaskException("not a WAV file"));
        await using var harness = new WorkerHarness([handler]);
        var id = await harness.EnqueueAsync(maxRetries: 3);
        var folder = WorkerHarness.WriteSpoolFile(harness.Spool, id);
        await harness.StartAsync();

        await Eventually.TrueAsync(_ => Task.FromResult(harness.State.Failed == 1), WorkerHarness.Within, "the task should fail");

        (await harness.Store.GetAsync(id))!.Status.Should().Be(QueueTaskStatus.Failed);
        Directory.Exists(folder).Should().BeTrue("a failed task can be retried once its cause is fixed (a missing engine, say)");
    }

    [Fact]
    public async Task Execute_KeepsSpooledFiles_WhenUserCancelsWhileItRuns()
    {
        var (harness, id, folder) = await StartRunningSpooledTaskAsync();
        await using var _ = harness;

        await harness.Store.CancelAsync(id);
        await Eventually.TrueAsync(_ => Task.FromResult(harness.State.Cancelled == 1), WorkerHarness.Within, "the handler should be stopped at the next heartbeat");

        Directory.Exists(folder).Should().BeTrue("a cancelled task can still be retried");
    }

    [Fact]
    public async Task Stop_KeepsSpooledFiles_WhenTheTaskIsHandedBack()
    {
        var (harness, id, folder) = await StartRunningSpooledTaskAsync();
        await using var _ = harness;

        await harness.StopAsync().WaitAsync(WorkerHarness.Within);

        harness.State.Released.Should().Be(1);
        (await harness.Store.GetAsync(id))!.Status.Should().Be(QueueTaskStatus.Queued);
        Directory.Exists(folder).Should().BeTrue("the next worker to lease the task needs its files");
    }

    /// <summary>A worker running one task with spooled files, whose handler waits until its token fires.</summary>
    private static async Task<(WorkerHarness Harness, string TaskId, string Folder)> StartRunningSpooledTaskAsync()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler(WorkerHarness.Queue, async ctx =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            return null;
        });
        var harness = new WorkerHarness([handler]);
        var id = await harness.EnqueueAsync();
        var folder = WorkerHarness.WriteSpoolFile(harness.Spool, id);
        await harness.StartAsync();
        await started.Task.WaitAsync(WorkerHarness.Within);
        return (harness, id, folder);
    }
}
