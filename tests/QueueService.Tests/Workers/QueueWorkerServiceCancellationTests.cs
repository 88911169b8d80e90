using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Tasks;
using QueueService.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace QueueService.Tests.Workers;

public sealed class QueueWorkerServiceCancellationTests
{
    [Fact]
    public async Task Execute_CancelsTask_WhenUserCancelsWhileItRuns()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tokenFired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler(WorkerHarness.Queue, async ctx =>
        {
            ctx.CancellationToken.Register(() => tokenFired.TrySetResult());
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            return null;
        });
        await using var harness = new WorkerHarness([handler]);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync();
        await started.Task.WaitAsync(WorkerHarness.Within);

        (await harness.Store.CancelAsync(id)).Should().Be(CancelOutcome.CancelRequested);

        await tokenFired.Task.WaitAsync(WorkerHarness.Within);
        var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Cancelled, "the worker confirms the cancel after its heartbeat learns of it");
        task.Attempts.Should().Be(1);
        // The runner records the outcome in the store before it counts it in its state: wait for the count.
        await Eventually.TrueAsync(_ => Task.FromResult(harness.State.Cancelled == 1), WorkerHarness.Within,
            "the worker counts the cancel right after the store records it");
    }

    [Fact]
    public async Task Execute_FailsWithKindTimeout_WhenMaxProcessingTimePasses()
    {
        var tokenFired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler(WorkerHarness.Queue, async ctx =>
        {
            ctx.CancellationToken.Register(() => tokenFired.TrySetResult());
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            return null;
        });
        await using var harness = new WorkerHarness([handler], o => o.MaxProcessingTime = TimeSpan.FromMilliseconds(300));
        await harness.StartAsync();
        var id = await harness.EnqueueAsync(maxRetries: 0);

        await tokenFired.Task.WaitAsync(WorkerHarness.Within);
        var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Failed, "a timed-out attempt with no retries left fails");

        task.ErrorHistory.Should().ContainSingle().Which.Kind.Should().Be(TaskErrorKinds.Timeout);
    }

    [Fact]
    public async Task Execute_SchedulesRetryWithKindTimeout_WhenMaxProcessingTimePassesAndRetriesRemain()
    {
        var handler = new DelegateHandler(WorkerHarness.Queue, async ctx =>
        {
            if (ctx.Attempt == 1) await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            return "\"second\"";
        });
        await using var harness = new WorkerHarness([handler], o => o.MaxProcessingTime = TimeSpan.FromMilliseconds(300));
        await harness.StartAsync();
        var id = await harness.EnqueueAsync(maxRetries: 2);

        var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Completed, "a time-out is retryable");

        task.Attempts.Should().Be(2);
        task.ErrorHistory.Should().ContainSingle().Which.Kind.Should().Be(TaskErrorKinds.Timeout);
    }

    [Fact]
    public async Task Stop_HandsBackUnfinishedTaskAndLetsQuickOneFinish_WhenGracePeriodEnds()
    {
        var finishQuick = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bothStarted = new CountdownEvent(2);
        var handler = new DelegateHandler(WorkerHarness.Queue, async ctx =>
        {
            bothStarted.Signal();
            if (ctx.PayloadJson.Contains("slow", StringComparison.Ordinal))
            {
                await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
                return null;
            }
            // The quick one's remaining work: it ends only once the stop has begun, and would be
            // handed back instead if its token fired before the grace period was over.
            await finishQuick.Task.WaitAsync(ctx.CancellationToken);
            return "\"quick\"";
        });
        await using var harness = new WorkerHarness([handler], o => o.Concurrency = 2);
        var slow = await harness.EnqueueAsync("""{"kind":"slow"}""");
        var quick = await harness.EnqueueAsync("""{"kind":"quick"}""");
        await harness.StartAsync();
        await Eventually.TrueAsync(_ => Task.FromResult(bothStarted.IsSet), WorkerHarness.Within, "both tasks should be running");

        // BackgroundService.StopAsync signals the stop before it first awaits: the stop has begun on return.
        var stopping = harness.StopAsync();
        finishQuick.SetResult();
        await stopping.WaitAsync(WorkerHarness.Within);

        var slowTask = (await harness.Store.GetAsync(slow))!;
        slowTask.Status.Should().Be(QueueTaskStatus.Queued, "an unfinished task is handed back at the end of the grace period");
        slowTask.Attempts.Should().Be(0, "a handed-back attempt does not count");
        var quickTask = (await harness.Store.GetAsync(quick))!;
        quickTask.Status.Should().Be(QueueTaskStatus.Completed, "a task that ends within the grace period is completed, not handed back");
        quickTask.ResultJson.Should().Be("\"quick\"");
        harness.State.Released.Should().Be(1);
        harness.State.Completed.Should().Be(1);
        harness.State.InFlightCount.Should().Be(0);
    }

    [Fact]
    public async Task Execute_DropsResultAndKeepsRunning_WhenLeaseWasReclaimed()
    {
        // The store runs on fake time so the test can expire the lease at will; the worker runs on real time.
        var storeTime = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var store = new InMemoryQueueStore(WorkerHarness.NoBackoffStoreOptions(), storeTime);
        var tokenFired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler(WorkerHarness.Queue, async ctx =>
        {
            if (ctx.PayloadJson.Contains("next", StringComparison.Ordinal)) return "\"next done\"";
            ctx.CancellationToken.Register(() => tokenFired.TrySetResult());
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            return null;
        });
        await using var harness = new WorkerHarness([handler], o => o.HeartbeatInterval = TimeSpan.FromMilliseconds(500), store);
        await harness.StartAsync();
        var stale = await harness.EnqueueAsync("""{"kind":"stale"}""");
        await started.Task.WaitAsync(WorkerHarness.Within);

        storeTime.Advance(TimeSpan.FromSeconds(10));
        (await store.ReapExpiredAsync()).Should().ContainSingle().Which.WorkerId.Should().Be("test-worker");
        var other = await store.LeaseAsync("other-worker", [WorkerHarness.Queue], 1, TimeSpan.FromMinutes(5));
        other.Should().ContainSingle();

        await tokenFired.Task.WaitAsync(WorkerHarness.Within);
        var next = await harness.EnqueueAsync("""{"kind":"next"}""");
        await harness.WaitForStatusAsync(next, QueueTaskStatus.Completed, "the loop keeps working after a lost lease");
        var staleTask = (await store.GetAsync(stale))!;
        staleTask.Status.Should().Be(QueueTaskStatus.Processing);
        staleTask.WorkerId.Should().Be("other-worker", "the new owner's lease must not be disturbed");
        harness.State.Lost.Should().Be(1);
    }
}
