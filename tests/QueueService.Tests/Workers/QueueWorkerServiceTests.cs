using QueueService.Tasks;
using QueueService.Tests.Support;
using QueueService.Workers;

namespace QueueService.Tests.Workers;

public sealed class QueueWorkerServiceTests
{
    [Fact]
    public async Task Execute_CompletesTaskWithResult_WhenHandlerReturns()
    {
        var handler = new DelegateHandler(WorkerHarness.Queue, ctx => Task.FromResult<string?>($$"""{"echo":{{ctx.PayloadJson}}}"""));
        await using var harness = new WorkerHarness([handler]);
        await harness.StartAsync();

        var id = await harness.EnqueueAsync("""{"n":1}""");

        var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Completed, "the worker should run and complete the task");
        task.ResultJson.Should().Be("""{"echo":{"n":1}}""");
        task.Attempts.Should().Be(1);
        task.WorkerId.Should().Be("test-worker");
        // The runner counts the completion a thread hop after the store records it.
        await harness.WaitForCompletedAsync(1, "the worker counts the completion it recorded");
    }

    [Fact]
    public async Task Execute_RecordsProgress_WhenHandlerReportsIt()
    {
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler(WorkerHarness.Queue, async ctx =>
        {
            await ctx.ReportProgressAsync(40, "chunk 2 of 5");
            await finish.Task.WaitAsync(ctx.CancellationToken);
            return null;
        });
        await using var harness = new WorkerHarness([handler]);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync();

        var running = await Eventually.MatchAsync(async ct => (await harness.Store.GetAsync(id, ct))!,
            t => t.Progress is not null, WorkerHarness.Within, "the handler reports progress while it runs");

        running.Status.Should().Be(QueueTaskStatus.Processing);
        running.Progress!.Percent.Should().Be(40);
        running.Progress.Message.Should().Be("chunk 2 of 5");
        harness.State.InFlightTaskIds.Should().Contain(id);
        finish.SetResult();
        await harness.WaitForStatusAsync(id, QueueTaskStatus.Completed, "the handler returns once released");
    }

    [Fact]
    public async Task Execute_RunsAtMostConcurrencyHandlers_WhenManyTasksAreQueued()
    {
        var gauge = new ConcurrencyGauge();
        var threeRunning = DelegateHandler.NewSignal();
        var release = DelegateHandler.NewSignal();
        var handler = new DelegateHandler(WorkerHarness.Queue, async ctx =>
        {
            if (gauge.Enter() == 3) threeRunning.TrySetResult();
            // The first three hold their slots until the test has looked; the rest run straight through.
            await release.Task.WaitAsync(ctx.CancellationToken);
            gauge.Exit();
            return null;
        });
        await using var harness = new WorkerHarness([handler], o => o.Concurrency = 3);
        for (var i = 0; i < 12; i++) await harness.EnqueueAsync();

        await harness.StartAsync();
        await threeRunning.Task.WaitAsync(WorkerHarness.Within);

        // Three run and are held: no fourth may have started or even been leased.
        var stats = await harness.Store.GetStatsAsync();
        stats.Totals.Processing.Should().Be(3, "a fourth task must not be leased while three slots are busy");
        gauge.Started.Should().Be(3, "a fourth handler must not start while three run");
        release.SetResult();

        await harness.WaitForCompletedAsync(12, "all twelve tasks should complete");
        gauge.MaxSeen.Should().Be(3, "three slots should be used, never more");
    }

    [Fact]
    public async Task Execute_RetriesAndSucceeds_WhenHandlerThrowsOnFirstAttempt()
    {
        var attemptsSeen = new List<int>();
        var handler = new DelegateHandler(WorkerHarness.Queue, ctx =>
        {
            lock (attemptsSeen) attemptsSeen.Add(ctx.Attempt);
            if (ctx.Attempt == 1) throw new InvalidOperationException("flaky dependency");
            return Task.FromResult<string?>(ctx.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
        await using var harness = new WorkerHarness([handler]);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync(maxRetries: 3);

        var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Completed, "the second attempt should succeed");

        task.ResultJson.Should().Be("2");
        task.Attempts.Should().Be(2);
        attemptsSeen.Should().Equal(1, 2);
        task.ErrorHistory.Should().ContainSingle().Which.Message.Should().Contain("flaky dependency");
    }

    [Fact]
    public async Task Execute_FailsAtOnce_WhenHandlerThrowsPermanentTaskException()
    {
        var handler = new DelegateHandler(WorkerHarness.Queue, _ => throw new PermanentTaskException("unsupported audio format"));
        await using var harness = new WorkerHarness([handler]);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync(maxRetries: 3);

        var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Failed, "a permanent error is not retried");

        task.Attempts.Should().Be(1);
        task.LastError.Should().Contain("unsupported audio format");
    }

    [Fact]
    public async Task Execute_TreatsHandlersOwnCancellationAsError_WhenOurTokenDidNotFire()
    {
        var handler = new DelegateHandler(WorkerHarness.Queue, _ => throw new TaskCanceledException("HTTP call timed out"));
        await using var harness = new WorkerHarness([handler]);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync(maxRetries: 0);

        var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Failed, "a handler's own cancellation is an ordinary error");

        task.ErrorHistory.Should().ContainSingle().Which.Kind.Should().Be(TaskErrorKinds.Error);
        task.LastError.Should().Contain("HTTP call timed out");
    }

    [Fact]
    public async Task Execute_FailsWithoutRetry_WhenNoHandlerServesTheQueue()
    {
        var handler = new DelegateHandler(WorkerHarness.Queue, _ => Task.FromResult<string?>(null));
        await using var harness = new WorkerHarness([handler], o => o.Queues = [WorkerHarness.Queue, "orphan"]);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync(maxRetries: 3, queue: "orphan");

        var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Failed, "no handler can ever run it");

        task.Attempts.Should().Be(1);
        task.LastError.Should().Contain("no handler for queue 'orphan'");
    }

    [Fact]
    public async Task Execute_BacksOffAndRecovers_WhenStoreIsUnavailableWhileLeasing()
    {
        var inner = new QueueService.Stores.Memory.InMemoryQueueStore(WorkerHarness.NoBackoffStoreOptions(), TimeProvider.System);
        var (flaky, control) = FlakyStore.Wrap(inner, nameof(QueueService.Stores.IQueueStore.LeaseAsync), failures: 3);
        var handler = new DelegateHandler(WorkerHarness.Queue, _ => Task.FromResult<string?>("\"ok\""));
        await using var harness = new WorkerHarness([handler], o => o.IdlePollInterval = TimeSpan.FromMilliseconds(20), flaky);
        var id = await harness.EnqueueAsync();

        await harness.StartAsync();

        await harness.WaitForStatusAsync(id, QueueTaskStatus.Completed, "leasing resumes once the store is back");
        control.Failed.Should().Be(3);
    }

    [Fact]
    public async Task Execute_LeasesWithinTheStoreLimit_WhenConcurrencyExceedsAThousand()
    {
        var handler = new DelegateHandler(WorkerHarness.Queue, _ => Task.FromResult<string?>(null));
        await using var harness = new WorkerHarness([handler], o => o.Concurrency = 1024);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync();

        await harness.WaitForStatusAsync(id, QueueTaskStatus.Completed, "a lease call asks for at most 1000 tasks, which the store accepts");
    }
}
