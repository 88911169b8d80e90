using Microsoft.Extensions.Logging;
using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Tasks;
using QueueService.Tests.Support;
using QueueService.Workers;

namespace QueueService.Tests.Workers;

/// <summary>How a store outage reads in a worker's log: one warning when it starts, one line when it ends, not one per call.</summary>
public sealed class QueueWorkerServiceOutageLogTests
{
    private const int Failures = 4;

    private static (IQueueStore Store, FlakyStore Control) Flaky(string method) =>
        FlakyStore.Wrap(new InMemoryQueueStore(WorkerHarness.NoBackoffStoreOptions(), TimeProvider.System), method, Failures);

    private static bool Logged(ListLogger<QueueWorkerService> log, LogLevel level, string text) =>
        log.Entries.Any(e => e.Level == level && e.Message.Contains(text, StringComparison.Ordinal));

    [Fact]
    public async Task Heartbeats_LogOneWarningAndOneRecovery_WhenSeveralFailInARow()
    {
        var log = new ListLogger<QueueWorkerService>();
        var (store, control) = Flaky(nameof(IQueueStore.HeartbeatAsync));
        // Runs until a heartbeat got through after the failures, so the whole streak happens during the attempt.
        var handler = new DelegateHandler(WorkerHarness.Queue, async ctx =>
        {
            await Eventually.TrueAsync(_ => Task.FromResult(Logged(log, LogLevel.Information, "recovered")), WorkerHarness.Within,
                "a heartbeat should get through after the failures");
            return null;
        });
        await using var harness = new WorkerHarness([handler], store: store, logger: log);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync();

        await harness.WaitForStatusAsync(id, QueueTaskStatus.Completed, "failed heartbeats within the lease do not stop the task");

        control.Failed.Should().Be(Failures);
        log.Entries.Where(e => e.Level >= LogLevel.Warning).Should().ContainSingle("the outage starts once")
            .Which.Message.Should().Contain("Heartbeats of task").And.Contain("the store is unavailable");
        log.Entries.Should().ContainSingle(e => e.Level == LogLevel.Information && e.Message.Contains("Heartbeats of task", StringComparison.Ordinal)
            && e.Message.Contains($"recovered after {Failures} failures", StringComparison.Ordinal), "and ends once");
    }

    [Fact]
    public async Task ProgressReports_LogOneWarningAndOneRecovery_WhenSeveralFailInARow()
    {
        var log = new ListLogger<QueueWorkerService>();
        var (store, control) = Flaky(nameof(IQueueStore.ReportProgressAsync));
        var handler = new DelegateHandler(WorkerHarness.Queue, async ctx =>
        {
            for (var percent = 0; percent <= Failures; percent++)
                await ctx.ReportProgressAsync(percent * 10, $"step {percent}");
            return null;
        });
        await using var harness = new WorkerHarness([handler], store: store, logger: log);
        await harness.StartAsync();
        var id = await harness.EnqueueAsync();

        var task = await harness.WaitForStatusAsync(id, QueueTaskStatus.Completed, "progress is advisory: failed reports do not fail the task");

        control.Failed.Should().Be(Failures);
        task.Progress!.Message.Should().Be($"step {Failures}", "the report after the outage was recorded");
        log.Entries.Where(e => e.Level >= LogLevel.Warning).Should().ContainSingle("the outage starts once")
            .Which.Message.Should().Contain("Progress reports of task").And.Contain("the store is unavailable");
        log.Entries.Should().ContainSingle(e => e.Level == LogLevel.Information && e.Message.Contains("Progress reports of task", StringComparison.Ordinal)
            && e.Message.Contains($"recovered after {Failures} failures", StringComparison.Ordinal), "and ends once");
    }
}
