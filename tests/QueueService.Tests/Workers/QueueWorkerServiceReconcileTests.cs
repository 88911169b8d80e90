using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Tasks;
using QueueService.Tests.Support;
using QueueService.Workers;

namespace QueueService.Tests.Workers;

/// <summary>
/// Leases the store holds for a worker that it does not run are handed back at once; the ones it runs are left
/// alone; and after an outage a lease that was reclaimed is still lost (LeaseNotHeld is final). An in-memory store:
/// none of this depends on Redis (the Redis outages are in <see cref="QueueWorkerServiceHoldTests"/>).
/// </summary>
public sealed class QueueWorkerServiceReconcileTests
{
    private static FakeTimeProvider NewStoreTime() =>
        new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Collects the <see cref="WorkerMetrics.ReconciledName"/> measurements of one queue.</summary>
    private sealed class ReconciledCounter : IDisposable
    {
        private readonly MeterListener _listener = new();

        public ReconciledCounter(string queue)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == WorkerMetrics.ReconciledName) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                string? queueTag = null, reason = null;
                foreach (var tag in tags)
                {
                    if (tag.Key == WorkerMetrics.QueueTag) queueTag = tag.Value as string;
                    if (tag.Key == WorkerMetrics.ReasonTag) reason = tag.Value as string;
                }
                if (queueTag == queue) Reasons.Enqueue((reason, value));
            });
            _listener.Start();
        }

        public ConcurrentQueue<(string? Reason, long Value)> Reasons { get; } = new();

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task Start_HandsBackALeaseItDoesNotRun_WhenTheStoreHoldsOneForThisWorker()
    {
        // Left by an earlier process with the same worker id, on a queue this worker does not lease from.
        var orphans = "orphans-" + Guid.NewGuid().ToString("N")[..8];
        var store = new InMemoryQueueStore(WorkerHarness.NoBackoffStoreOptions(), TimeProvider.System);
        var id = (await store.EnqueueAsync(new NewTask(orphans, "{}"))).Id;
        (await store.LeaseAsync("test-worker", [orphans], 1, TimeSpan.FromMinutes(5))).Should().ContainSingle();
        using var counter = new ReconciledCounter(orphans);
        var log = new ListLogger<QueueWorkerService>();
        await using var harness = new WorkerHarness([new DelegateHandler(WorkerHarness.Queue, _ => Task.FromResult<string?>(null))], store: store, logger: log);

        await harness.StartAsync();

        var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Queued, "a lease the worker holds but does not run is handed back at start-up, not left for its 5 minutes");
        task.Attempts.Should().Be(0, "a hand-back does not count the attempt");
        await Eventually.TrueAsync(_ => Task.FromResult(!counter.Reasons.IsEmpty), WorkerHarness.Within, "the hand-back is counted");
        counter.Reasons.Should().Equal((WorkerMetrics.HandedBackReason, 1L));
        log.Entries.Should().ContainSingle(e => e.Level == LogLevel.Information && e.Message.Contains("handing the task back", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_LogsAWarningNotAnError_WhenTheStoreDoesNotAnswerTheReconcileInTime()
    {
        // The first list hangs until the worker gives up on it (OutcomeTimeout): an outage seen as silence, not a fault.
        var (store, control) = FlakyStore.Wrap(new InMemoryQueueStore(WorkerHarness.NoBackoffStoreOptions(), TimeProvider.System),
            nameof(IQueueStore.ListLeasesAsync), failures: 1, beforeFailing: ct => Task.Delay(Timeout.Infinite, ct));
        var log = new ListLogger<QueueWorkerService>();
        await using var harness = new WorkerHarness([new DelegateHandler(WorkerHarness.Queue, _ => Task.FromResult<string?>(null))],
            o => o.OutcomeTimeout = TimeSpan.FromMilliseconds(300), store, logger: log);

        await harness.StartAsync();

        await Eventually.TrueAsync(_ => Task.FromResult(log.Entries.Any(e => e.Level == LogLevel.Warning
                && e.Message.StartsWith("Reconciling the leases of worker test-worker paused: the store is unavailable", StringComparison.Ordinal))),
            WorkerHarness.Within, "a reconcile the store did not answer is an outage");
        log.Entries.Should().NotContain(e => e.Level >= LogLevel.Error);
        control.Failed.Should().Be(0, "the call never failed by itself: the worker's time-out ended it");
    }

    [Fact]
    public async Task Reconcile_LeavesTheTasksItRuns_WhenReconcilingAfterAnOutage()
    {
        // Two failed registrations: an outage, so the worker reconciles at every registry tick for the next 2 minutes.
        var (flaky, _) = FlakyStore.Wrap(new InMemoryQueueStore(WorkerHarness.NoBackoffStoreOptions(), TimeProvider.System),
            nameof(IQueueStore.RegisterWorkerAsync), failures: 2);
        var (store, calls) = StoreCallLog.Wrap(flaky);
        var (started, finish) = (DelegateHandler.NewSignal(), DelegateHandler.NewSignal());
        var tokenFired = false;
        var handler = new DelegateHandler(WorkerHarness.Queue, async ctx =>
        {
            started.TrySetResult();
            await finish.Task;
            tokenFired = ctx.CancellationToken.IsCancellationRequested;
            return "\"done\"";
        });
        await using var harness = new WorkerHarness([handler], o => o.Concurrency = 2, store);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync();
        await started.Task.WaitAsync(WorkerHarness.Within);

        var listed = calls.Succeeded(nameof(IQueueStore.ListLeasesAsync));
        await Eventually.TrueAsync(_ => Task.FromResult(calls.Succeeded(nameof(IQueueStore.ListLeasesAsync)) >= listed + 3), WorkerHarness.Within,
            "the worker reconciles at each registry tick after the outage");
        var running = (await store.GetAsync(id))!;
        running.Status.Should().Be(QueueTaskStatus.Processing, "a lease the worker runs is not handed back");
        running.WorkerId.Should().Be("test-worker");
        finish.SetResult();

        var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Completed, "the handler finishes under its lease");
        task.Attempts.Should().Be(1);
        tokenFired.Should().BeFalse();
        harness.State.Released.Should().Be(0);
    }

    [Fact]
    public async Task Heartbeat_CancelsTheHandler_WhenTheLeaseWasReclaimedDuringAnOutage()
    {
        var storeTime = NewStoreTime();
        var inner = new InMemoryQueueStore(WorkerHarness.NoBackoffStoreOptions(), storeTime);
        var (outageStarted, reclaimed) = (DelegateHandler.NewSignal(), DelegateHandler.NewSignal());
        var (store, control) = FlakyStore.Wrap(inner, nameof(IQueueStore.HeartbeatAsync), failures: 3, beforeFailing: async ct =>
        {
            outageStarted.TrySetResult();
            await reclaimed.Task.WaitAsync(ct);
        });
        var (started, tokenFired) = (DelegateHandler.NewSignal(), DelegateHandler.NewSignal());
        var handler = new DelegateHandler(WorkerHarness.Queue, async ctx =>
        {
            ctx.CancellationToken.Register(() => tokenFired.TrySetResult());
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            return null;
        });
        await using var harness = new WorkerHarness([handler], store: store);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync();
        await started.Task.WaitAsync(WorkerHarness.Within);
        await outageStarted.Task.WaitAsync(WorkerHarness.Within);

        // While heartbeats fail, the lease runs out and goes to another worker.
        storeTime.Advance(TimeSpan.FromSeconds(10));
        (await inner.ReapExpiredAsync()).Should().ContainSingle();
        (await inner.LeaseAsync("other-worker", [WorkerHarness.Queue], 1, TimeSpan.FromMinutes(5))).Should().ContainSingle();
        reclaimed.SetResult();

        await tokenFired.Task.WaitAsync(WorkerHarness.Within);
        control.Failed.Should().Be(3, "the heartbeat after the outage learned the lease was lost");
        await Eventually.TrueAsync(_ => Task.FromResult(harness.State.Lost == 1), WorkerHarness.Within, "the attempt's outcome is dropped");
        (await inner.GetAsync(id))!.WorkerId.Should().Be("other-worker", "the new owner's lease is not disturbed");
    }

    [Fact]
    public async Task Execute_GivesUpTheCompletionAtOnce_WhenTheLeaseWasReclaimedDuringTheOutage()
    {
        var storeTime = NewStoreTime();
        var inner = new InMemoryQueueStore(WorkerHarness.NoBackoffStoreOptions(), storeTime);
        var (completeHeld, reclaimed) = (DelegateHandler.NewSignal(), DelegateHandler.NewSignal());
        var (store, control) = FlakyStore.Wrap(inner, nameof(IQueueStore.CompleteAsync), failures: 2, beforeFailing: async ct =>
        {
            completeHeld.TrySetResult();
            await reclaimed.Task.WaitAsync(ct);
        });
        var log = new ListLogger<QueueWorkerService>();
        var handler = new DelegateHandler(WorkerHarness.Queue, _ => Task.FromResult<string?>("\"late\""));
        // Heartbeats far apart: the completion, not a heartbeat, meets the reclaimed lease first.
        await using var harness = new WorkerHarness([handler], o => o.HeartbeatInterval = TimeSpan.FromMilliseconds(1900), store, logger: log);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync();
        await completeHeld.Task.WaitAsync(WorkerHarness.Within);

        storeTime.Advance(TimeSpan.FromSeconds(10));
        (await inner.ReapExpiredAsync()).Should().ContainSingle();
        (await inner.LeaseAsync("other-worker", [WorkerHarness.Queue], 1, TimeSpan.FromMinutes(5))).Should().ContainSingle();
        reclaimed.SetResult();

        await Eventually.TrueAsync(_ => Task.FromResult(harness.State.Lost == 1), WorkerHarness.Within,
            "LeaseNotHeld ends the hold at once, however long the hold time (10 minutes)");
        control.Failed.Should().Be(2);
        log.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains("the lease was lost", StringComparison.Ordinal));
        var task = (await inner.GetAsync(id))!;
        task.Status.Should().Be(QueueTaskStatus.Processing);
        task.WorkerId.Should().Be("other-worker");
    }
}
