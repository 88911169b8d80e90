using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using QueueService.Maintenance;
using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Tasks;
using QueueService.Tests.Support;
using QueueService.Tests.Workers;

namespace QueueService.Tests.Maintenance;

/// <summary>
/// A real <see cref="QueueService.Workers.QueueWorkerService"/> and the real <see cref="LeaseReaper"/> over one in-memory
/// store with a short lease ceiling, on the system clock: what happens to a task whose worker hangs. (The store-level
/// behaviour is proven on both stores by the contract suite, <c>QueueStoreContractTests.StuckTasks.cs</c>.)
/// </summary>
public sealed class HungWorkerTests
{
    private static readonly TimeSpan StoreMaxProcessing = TimeSpan.FromMilliseconds(300);

    private static InMemoryQueueStore StoreWithCeiling(TimeSpan grace)
    {
        var options = WorkerHarness.NoBackoffStoreOptions();
        options.MaxProcessingTime = StoreMaxProcessing;
        options.LeaseCeilingGrace = grace;
        return new InMemoryQueueStore(options, TimeProvider.System);
    }

    private static LeaseReaper Reaper(IQueueStore store, ListLogger<LeaseReaper> logger) =>
        new(store, Options.Create(new MaintenanceOptions { ReapInterval = TimeSpan.FromMilliseconds(50) }), new ReclaimCounter(), TimeProvider.System, logger);

    [Fact]
    public async Task Reaper_FailsTheTaskAsTimeout_WhenItsWorkerKeepsHeartbeatingButNeverEndsIt()
    {
        // The worker's own limit is far away (misconfigured, or its runtime wedged): only the store's ceiling can end this.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler(WorkerHarness.Queue, async _ =>
        {
            await release.Task; // hangs, ignoring its cancellation token
            return null;
        });
        var store = StoreWithCeiling(TimeSpan.FromMilliseconds(100));
        await using var harness = new WorkerHarness([handler], o => o.MaxProcessingTime = TimeSpan.FromHours(1), store: store);
        var logger = new ListLogger<LeaseReaper>();
        using var reaper = Reaper(store, logger);
        await harness.StartAsync();
        await reaper.StartAsync(CancellationToken.None);
        try
        {
            var id = await harness.EnqueueAsync(maxRetries: 0);

            var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Failed, "the hung attempt's lease reaches its ceiling and is reclaimed");

            var error = task.ErrorHistory.Should().ContainSingle().Subject;
            error.Kind.Should().Be(TaskErrorKinds.Timeout);
            error.Message.Should().Be(TaskLimits.TimedOutMessage("test-worker", StoreMaxProcessing));
            // The reaper logs right after the store call returns: the status above can be seen first.
            await Eventually.TrueAsync(_ => Task.FromResult(logger.Entries.Any(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning
                && Equals(e.Properties.GetValueOrDefault("TaskId"), id) && Equals(e.Properties.GetValueOrDefault("WorkerId"), "test-worker"))),
                WorkerHarness.Within, "the reaper names the task and the worker that held it");
            // The worker's next heartbeat learns the lease is gone; it abandons the handler and records nothing.
            await Eventually.TrueAsync(_ => Task.FromResult(harness.State.Lost == 1), WorkerHarness.Within,
                "the worker gives the attempt up as lost once its heartbeat is refused");
            (await store.GetAsync(id))!.ErrorHistory.Should().ContainSingle("the hung worker's late outcome is not recorded on top");
        }
        finally
        {
            release.TrySetResult();
            await reaper.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Worker_RecordsItsOwnTimeout_WhenItsTimerFiresBeforeTheCeiling()
    {
        // A healthy worker with the same limit stops its handler at MaxProcessingTime, inside the grace: it behaves as before.
        var handler = new DelegateHandler(WorkerHarness.Queue, async ctx =>
        {
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            return null;
        });
        var store = StoreWithCeiling(TimeSpan.FromSeconds(5));
        await using var harness = new WorkerHarness([handler], o => o.MaxProcessingTime = StoreMaxProcessing, store: store);
        var logger = new ListLogger<LeaseReaper>();
        using var reaper = Reaper(store, logger);
        await harness.StartAsync();
        await reaper.StartAsync(CancellationToken.None);
        try
        {
            var id = await harness.EnqueueAsync(maxRetries: 0);

            var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Failed, "the worker's own timer fires first");

            var error = task.ErrorHistory.Should().ContainSingle().Subject;
            error.Kind.Should().Be(TaskErrorKinds.Timeout);
            error.Message.Should().NotBe(TaskLimits.TimedOutMessage("test-worker", StoreMaxProcessing), "the worker recorded it, not the reaper");
            logger.Entries.Should().NotContain(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning, "nothing was stuck");
        }
        finally
        {
            await reaper.StopAsync(CancellationToken.None);
        }
    }
}
