using QueueService.Stores;
using QueueService.Tasks;
using QueueService.Tests.Support;

namespace QueueService.Tests.Workers;

/// <summary><see cref="QueueService.Workers.WorkerOptions.Prefetch"/>: tasks leased ahead wait, under their leases, for one of Concurrency handlers.</summary>
public sealed class QueueWorkerServicePrefetchTests
{
    [Fact]
    public async Task Execute_LeasesPrefetchMoreButRunsConcurrencyHandlers_WhenPrefetchIsSet()
    {
        var gauge = new ConcurrencyGauge();
        var firstRunning = DelegateHandler.NewSignal();
        var release = DelegateHandler.NewSignal();
        var handler = new DelegateHandler(WorkerHarness.Queue, async ctx =>
        {
            gauge.Enter();
            firstRunning.TrySetResult();
            await release.Task.WaitAsync(ctx.CancellationToken);
            gauge.Exit();
            return null;
        });
        await using var harness = new WorkerHarness([handler], o => (o.Concurrency, o.Prefetch) = (1, 3));
        for (var i = 0; i < 8; i++) await harness.EnqueueAsync();

        await harness.StartAsync();
        await firstRunning.Task.WaitAsync(WorkerHarness.Within);
        await Eventually.TrueAsync(async ct => (await harness.Store.GetStatsAsync(ct)).Totals.Processing == 4, WorkerHarness.Within,
            "one running and three prefetched hold leases");
        (await harness.Store.GetStatsAsync()).Totals.Queued.Should().Be(4, "no more than concurrency + prefetch are leased");
        gauge.Started.Should().Be(1, "a prefetched task waits for the one handler");

        release.SetResult();
        await harness.WaitForCompletedAsync(8, "all eight complete");
        gauge.MaxSeen.Should().Be(1, "one handler at a time, prefetch or not");
    }

    [Fact]
    public async Task Stop_HandsBackThePrefetchedTasksAtOnce_WhileTheRunningOneFinishes()
    {
        var running = DelegateHandler.NewSignal();
        var release = DelegateHandler.NewSignal();
        var handler = DelegateHandler.Blocking(running, release, "\"done\"");
        await using var harness = new WorkerHarness([handler], o => (o.Concurrency, o.Prefetch, o.ShutdownGracePeriod) = (1, 2, TimeSpan.FromSeconds(10)));
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await harness.EnqueueAsync());
        await harness.StartAsync();
        await running.Task.WaitAsync(WorkerHarness.Within);
        await Eventually.TrueAsync(async ct => (await harness.Store.GetStatsAsync(ct)).Totals.Processing == 3, WorkerHarness.Within, "two tasks are prefetched");

        var stopping = harness.StopAsync();
        await Eventually.TrueAsync(async ct => (await harness.Store.GetStatsAsync(ct)).Totals.Queued == 2, WorkerHarness.Within,
            "the waiting tasks are handed back at once, not after the grace period");
        foreach (var id in ids.Skip(1))
        {
            var back = (await harness.Store.GetAsync(id))!;
            back.Attempts.Should().Be(0, "a task handed back unstarted keeps its attempt");
        }
        stopping.IsCompleted.Should().BeFalse("the running task still has its grace period");
        release.SetResult();
        await stopping.WaitAsync(WorkerHarness.Within);
        (await harness.Store.GetAsync(ids[0]))!.Status.Should().Be(QueueTaskStatus.Completed);
    }

    [Fact]
    public async Task Execute_HandsBackAPrefetchedTask_WhenItWaitsLongerThanThePrefetchWaitLimit()
    {
        var running = DelegateHandler.NewSignal();
        var release = DelegateHandler.NewSignal();
        var handler = DelegateHandler.Blocking(running, release);
        var log = new ListLogger<QueueService.Workers.QueueWorkerService>();
        await using var harness = new WorkerHarness([handler],
            o => (o.Concurrency, o.Prefetch, o.PrefetchWaitLimit) = (1, 1, TimeSpan.FromMilliseconds(300)), logger: log);
        var first = await harness.EnqueueAsync();
        var waiting = await harness.EnqueueAsync();
        await harness.StartAsync();
        await running.Task.WaitAsync(WorkerHarness.Within);

        // Its wait runs out while the first task holds the only handler: handed back (and, the slot free, leased again).
        await Eventually.TrueAsync(_ => Task.FromResult(harness.State.Released >= 1), WorkerHarness.Within,
            "the prefetched task is handed back once it has waited 300 ms");
        log.Entries.Should().Contain(e => e.Message.Contains($"Task {waiting} of queue {WorkerHarness.Queue} handed back unstarted", StringComparison.Ordinal));

        release.SetResult();
        await harness.WaitForCompletedAsync(2, "both complete");
        (await harness.Store.GetAsync(waiting))!.Attempts.Should().Be(1, "a hand-back keeps the attempt: the task ran once");
        (await harness.Store.GetAsync(first))!.Attempts.Should().Be(1);
    }

    [Fact]
    public async Task Cancel_OfAPrefetchedTask_CancelsItWithoutRunningIt()
    {
        var ran = new System.Collections.Concurrent.ConcurrentBag<string>();
        var running = DelegateHandler.NewSignal();
        var release = DelegateHandler.NewSignal();
        var handler = new DelegateHandler(WorkerHarness.Queue, async ctx =>
        {
            ran.Add(ctx.TaskId);
            running.TrySetResult();
            await release.Task;
            return null;
        });
        await using var harness = new WorkerHarness([handler], o => (o.Concurrency, o.Prefetch) = (1, 1));
        await harness.EnqueueAsync();
        var waiting = await harness.EnqueueAsync();
        await harness.StartAsync();
        await running.Task.WaitAsync(WorkerHarness.Within);
        await harness.WaitForStatusAsync(waiting, QueueTaskStatus.Processing, "the second task is prefetched");

        (await harness.Store.CancelAsync(waiting)).Should().Be(CancelOutcome.CancelRequested);
        await harness.WaitForStatusAsync(waiting, QueueTaskStatus.Cancelled, "the waiting task learns of the cancel at its heartbeat");

        release.SetResult();
        await Eventually.TrueAsync(_ => Task.FromResult(harness.State.Processed == 2), WorkerHarness.Within, "both end");
        ran.Should().NotContain(waiting, "a cancelled prefetched task never runs");
        harness.State.Cancelled.Should().Be(1);
    }
}
