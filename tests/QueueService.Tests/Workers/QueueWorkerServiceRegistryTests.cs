using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Tasks;
using QueueService.Tests.Support;

namespace QueueService.Tests.Workers;

public sealed class QueueWorkerServiceRegistryTests
{
    [Fact]
    public async Task Execute_RegistersTheWorkerWithItsQueuesAndConcurrency_WhenStarted()
    {
        var handler = new DelegateHandler(WorkerHarness.Queue, _ => Task.FromResult<string?>(null));
        await using var harness = new WorkerHarness([handler], o => o.Concurrency = 3);

        await harness.StartAsync();

        var worker = await WaitForWorkerAsync(harness, _ => true, "the worker registers itself at start");
        worker.Queues.Should().Equal(WorkerHarness.Queue);
        worker.Concurrency.Should().Be(3);
        worker.Host.Should().Be(Environment.MachineName);
        worker.ProcessId.Should().Be(Environment.ProcessId);
        worker.CurrentTaskIds.Should().BeEmpty("nothing runs yet");
    }

    [Fact]
    public async Task Execute_ReportsTheRunningTaskInTheRegistry_WhileItRuns()
    {
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler(WorkerHarness.Queue, async ctx =>
        {
            await finish.Task.WaitAsync(ctx.CancellationToken);
            return null;
        });
        await using var harness = new WorkerHarness([handler]);
        await harness.StartAsync();

        var id = await harness.EnqueueAsync();

        await WaitForWorkerAsync(harness, w => w.CurrentTaskIds.Contains(id), "the next refresh reports the task in flight");
        finish.SetResult();
        await harness.WaitForStatusAsync(id, QueueTaskStatus.Completed, "the handler returns once released");
        await WaitForWorkerAsync(harness, w => w.CurrentTaskIds.Count == 0, "a refresh after the task ends reports nothing running");
    }

    [Fact]
    public async Task Execute_UnregistersTheWorker_WhenStopped()
    {
        var handler = new DelegateHandler(WorkerHarness.Queue, _ => Task.FromResult<string?>(null));
        await using var harness = new WorkerHarness([handler]);
        await harness.StartAsync();
        await WaitForWorkerAsync(harness, _ => true, "the worker registers itself at start");

        await harness.StopAsync();

        (await harness.Store.ListWorkersAsync()).Should().BeEmpty("the worker leaves the registry in its shutdown path, without waiting for the ttl");
    }

    [Fact]
    public async Task Execute_KeepsProcessing_WhenRegisteringFails()
    {
        var handler = new DelegateHandler(WorkerHarness.Queue, _ => Task.FromResult<string?>(null));
        var (store, control) = FlakyStore.Wrap(new InMemoryQueueStore(WorkerHarness.NoBackoffStoreOptions(), TimeProvider.System),
            nameof(IQueueStore.RegisterWorkerAsync), failures: 2);
        await using var harness = new WorkerHarness([handler], store: store);
        await harness.StartAsync();

        var id = await harness.EnqueueAsync();

        await harness.WaitForStatusAsync(id, QueueTaskStatus.Completed, "a registry outage must not stop the loop");
        await WaitForWorkerAsync(harness, _ => true, "a later refresh registers the worker once the store answers");
        control.Failed.Should().Be(2);
    }

    private static async Task<WorkerInfo> WaitForWorkerAsync(WorkerHarness harness, Func<WorkerInfo, bool> until, string because)
    {
        var workers = await Eventually.MatchAsync(ct => harness.Store.ListWorkersAsync(ct),
            found => found.Any(w => w.WorkerId == harness.Options.WorkerId && until(w)), WorkerHarness.Within, because);
        return workers.Single(w => w.WorkerId == harness.Options.WorkerId);
    }
}
