using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Tasks;
using QueueService.Tests.Support;
using QueueService.Workers;

namespace QueueService.Tests.Workers;

/// <summary>How an attempt's outcome reaches the store: through outages, late heartbeats and stops.</summary>
public sealed class QueueWorkerServiceOutcomeTests
{
    private static (IQueueStore Store, FlakyStore Control) Flaky(string method, int failures, Func<CancellationToken, Task>? beforeFailing = null) =>
        FlakyStore.Wrap(new InMemoryQueueStore(WorkerHarness.NoBackoffStoreOptions(), TimeProvider.System), method, failures, beforeFailing);

    /// <summary>A store command in flight that the caller gives up on: it fails only once its token fires.</summary>
    private static async Task HoldUntilCancelledAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static DelegateHandler BlockUntilCancelled(TaskCompletionSource started, Func<Exception>? thenThrow = null) =>
        new(WorkerHarness.Queue, async ctx =>
        {
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            }
            catch (OperationCanceledException) when (thenThrow is not null)
            {
                throw thenThrow();
            }
            return null;
        });

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Fact]
    public async Task Stop_FailsTheTask_WhenHandlerThrowsPermanentErrorAfterTheGracePeriod()
    {
        var started = NewSignal();
        var handler = BlockUntilCancelled(started, () => new PermanentTaskException("poison payload"));
        await using var harness = new WorkerHarness([handler]);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync(maxRetries: 3);
        await started.Task.WaitAsync(WorkerHarness.Within);

        await harness.StopAsync().WaitAsync(WorkerHarness.Within);

        var task = (await harness.Store.GetAsync(id))!;
        task.Status.Should().Be(QueueTaskStatus.Failed, "a permanent error is the handler's answer, not a stop: the poison task must not go back");
        task.LastError.Should().Contain("poison payload");
        harness.State.Released.Should().Be(0);
        harness.State.Failed.Should().Be(1);
    }

    [Fact]
    public async Task Execute_FailsAtOnce_WhenHandlerThrowsPermanentErrorAfterMaxProcessingTime()
    {
        var started = NewSignal();
        var handler = BlockUntilCancelled(started, () => new PermanentTaskException("poison payload"));
        await using var harness = new WorkerHarness([handler], o => o.MaxProcessingTime = TimeSpan.FromMilliseconds(300));
        await harness.StartAsync();
        var id = await harness.EnqueueAsync(maxRetries: 3);

        var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Failed, "a permanent error is not retried, even after a time-out fired");

        task.Attempts.Should().Be(1);
        task.ErrorHistory.Should().ContainSingle().Which.Kind.Should().Be(TaskErrorKinds.Error);
        task.LastError.Should().Contain("poison payload");
    }

    [Fact]
    public async Task Execute_RecordsHandlersOwnError_WhenItThrowsOneAfterMaxProcessingTime()
    {
        var started = NewSignal();
        var handler = BlockUntilCancelled(started, () => new InvalidOperationException("dependency exploded"));
        await using var harness = new WorkerHarness([handler], o => o.MaxProcessingTime = TimeSpan.FromMilliseconds(300));
        await harness.StartAsync();
        var id = await harness.EnqueueAsync(maxRetries: 0);

        var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Failed, "no retries remain");

        task.ErrorHistory.Should().ContainSingle().Which.Kind.Should().Be(TaskErrorKinds.Error, "the handler's own error is recorded, not a time-out");
        task.LastError.Should().Contain("dependency exploded");
    }

    [Fact]
    public async Task Stop_HandsRunningTaskBack_WhenWaitingForWorkFailsAsTheStopComes()
    {
        var started = NewSignal();
        // A wait that, like a connection dropping at shutdown, fails with a store error instead of a cancellation.
        var waiting = NewSignal();
        var (store, _) = Flaky(nameof(IQueueStore.WaitForWorkAsync), failures: int.MaxValue, beforeFailing: async ct =>
        {
            waiting.TrySetResult();
            await HoldUntilCancelledAsync(ct);
        });
        await using var harness = new WorkerHarness([BlockUntilCancelled(started)], o => o.Concurrency = 2, store);
        var id = await harness.EnqueueAsync();
        await harness.StartAsync();
        await started.Task.WaitAsync(WorkerHarness.Within);
        await waiting.Task.WaitAsync(WorkerHarness.Within); // one slot free: the loop waits for work

        await harness.StopAsync().WaitAsync(WorkerHarness.Within);

        var task = (await store.GetAsync(id))!;
        task.Status.Should().Be(QueueTaskStatus.Queued, "the drain hands the running task back even though the wait failed");
        task.Attempts.Should().Be(0);
        harness.State.Released.Should().Be(1);
        harness.Worker.ExecuteTask!.IsCompletedSuccessfully.Should().BeTrue();
    }
}
