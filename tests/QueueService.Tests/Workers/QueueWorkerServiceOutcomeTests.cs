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

    [Fact]
    public async Task Execute_CompletesWithResult_WhenRecordingTheCompletionFailsTwice()
    {
        var (store, control) = Flaky(nameof(IQueueStore.CompleteAsync), failures: 2);
        var handler = new DelegateHandler(WorkerHarness.Queue, _ => Task.FromResult<string?>("\"done\""));
        await using var harness = new WorkerHarness([handler], store: store);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync(maxRetries: 0);

        var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Completed, "recording the result is retried while the store is unavailable");

        task.ResultJson.Should().Be("\"done\"");
        task.Attempts.Should().Be(1);
        task.ErrorHistory.Should().BeEmpty();
        control.Failed.Should().Be(2);
        await Eventually.TrueAsync(_ => Task.FromResult(harness.State.Completed == 1 && harness.State.Lost == 0), WorkerHarness.Within,
            "the worker counts the attempt as completed, not lost");
    }

    [Fact]
    public async Task Execute_KeepsRenewingTheLease_UntilTheOutcomeIsRecorded()
    {
        var completeHeld = DelegateHandler.NewSignal();
        var releaseComplete = DelegateHandler.NewSignal();
        var (store, _) = Flaky(nameof(IQueueStore.CompleteAsync), failures: 1, beforeFailing: async ct =>
        {
            completeHeld.TrySetResult();
            await releaseComplete.Task.WaitAsync(ct); // the worker's own time-out still ends the try
        });
        var handler = new DelegateHandler(WorkerHarness.Queue, _ => Task.FromResult<string?>("\"done\""));
        await using var harness = new WorkerHarness([handler], store: store);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync();
        await completeHeld.Task.WaitAsync(WorkerHarness.Within);
        var heldAt = (await store.GetAsync(id))!;

        await Eventually.MatchAsync(async ct => (await store.GetAsync(id, ct))!.LeaseExpiresAt, expiry => expiry > heldAt.LeaseExpiresAt,
            WorkerHarness.Within, "heartbeats go on after the handler ended, while its outcome is not yet recorded");
        releaseComplete.SetResult();

        var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Completed, "the completion is retried after the failed try");
        task.ResultJson.Should().Be("\"done\"");
    }

    [Fact]
    public async Task Execute_FailsPermanently_WhenRecordingTheFailureFailsTwice()
    {
        var (store, control) = Flaky(nameof(IQueueStore.FailAsync), failures: 2);
        var handler = new DelegateHandler(WorkerHarness.Queue, _ => throw new PermanentTaskException("unsupported audio format"));
        await using var harness = new WorkerHarness([handler], store: store);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync(maxRetries: 3);

        var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Failed, "recording the failure is retried while the store is unavailable");

        task.Attempts.Should().Be(1);
        task.LastError.Should().Contain("unsupported audio format");
        control.Failed.Should().Be(2);
    }

    [Fact]
    public async Task Execute_ConfirmsCancel_WhenRecordingTheCancelFailsTwice()
    {
        var started = DelegateHandler.NewSignal();
        var (store, control) = Flaky(nameof(IQueueStore.ConfirmCancelAsync), failures: 2);
        await using var harness = new WorkerHarness([BlockUntilCancelled(started)], store: store);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync();
        await started.Task.WaitAsync(WorkerHarness.Within);

        (await store.CancelAsync(id)).Should().Be(CancelOutcome.CancelRequested);

        var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Cancelled, "confirming the cancel is retried while the store is unavailable");
        task.Attempts.Should().Be(1);
        control.Failed.Should().Be(2);
    }

    [Fact]
    public async Task Stop_HandsTaskBack_WhenRecordingTheReleaseFailsTwice()
    {
        var started = DelegateHandler.NewSignal();
        var (store, control) = Flaky(nameof(IQueueStore.ReleaseAsync), failures: 2);
        await using var harness = new WorkerHarness([BlockUntilCancelled(started)], store: store);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync();
        await started.Task.WaitAsync(WorkerHarness.Within);

        await harness.StopAsync().WaitAsync(WorkerHarness.Within);

        var task = (await store.GetAsync(id))!;
        task.Status.Should().Be(QueueTaskStatus.Queued, "the release is retried within the stop's budget");
        task.Attempts.Should().Be(0);
        control.Failed.Should().Be(2);
        harness.State.Released.Should().Be(1);
    }

    [Fact]
    public async Task Execute_GivesUpRecordingAndFreesTheSlot_WhenTheStoreStaysUnavailable()
    {
        var (store, control) = Flaky(nameof(IQueueStore.CompleteAsync), failures: int.MaxValue);
        var handler = new DelegateHandler(WorkerHarness.Queue, _ => Task.FromResult<string?>("\"done\""));
        // The hold is never shorter than the lease (2 s here): recording gives up after that.
        await using var harness = new WorkerHarness([handler], o => o.OutcomeHoldTime = TimeSpan.FromMilliseconds(500), store: store);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync();

        await Eventually.TrueAsync(_ => Task.FromResult(harness.State.Lost == 1), WorkerHarness.Within,
            "recording gives up once the outcome hold time is over, leaving the task to the reaper");

        harness.State.InFlightCount.Should().Be(0);
        control.Failed.Should().BeGreaterThan(1, "the completion was retried before giving up");
        (await store.GetAsync(id))!.Status.Should().Be(QueueTaskStatus.Processing, "the reaper, not this worker, takes it back");
    }

    [Fact]
    public async Task Execute_CompletesWithResult_WhenAHeartbeatFailsAsTheHandlerEnds()
    {
        var heartbeatInFlight = DelegateHandler.NewSignal();
        var (store, control) = Flaky(nameof(IQueueStore.HeartbeatAsync), failures: 1, beforeFailing: async ct =>
        {
            heartbeatInFlight.TrySetResult();
            await HoldUntilCancelledAsync(ct);
        });
        var handler = new DelegateHandler(WorkerHarness.Queue, async _ =>
        {
            await heartbeatInFlight.Task; // end while a heartbeat is in flight; it fails once the runner stops heartbeats
            return "\"done\"";
        });
        await using var harness = new WorkerHarness([handler], store: store);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync();

        var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Completed, "a heartbeat failing after the handler ended must not lose the result");

        task.ResultJson.Should().Be("\"done\"");
        await Eventually.TrueAsync(_ => Task.FromResult(harness.State.Processed == 1), WorkerHarness.Within, "the runner should end");
        harness.State.Completed.Should().Be(1);
        harness.State.Lost.Should().Be(0);
        control.Failed.Should().Be(1);
    }

    [Fact]
    public async Task Stop_FailsTheTask_WhenHandlerThrowsPermanentErrorAfterTheGracePeriod()
    {
        var started = DelegateHandler.NewSignal();
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
        var started = DelegateHandler.NewSignal();
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
        var started = DelegateHandler.NewSignal();
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
        var started = DelegateHandler.NewSignal();
        // A wait that, like a connection dropping at shutdown, fails with a store error instead of a cancellation.
        var waiting = DelegateHandler.NewSignal();
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
