using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Prometheus;
using QueueService.Hosting;
using QueueService.Stores;
using QueueService.Tasks;
using QueueService.Tests.Support;
using QueueService.Workers;
using QueueWorker.Metrics;

namespace QueueWorker.Tests.Metrics;

/// <summary>The real worker runtime in a Generic Host (in-memory store), its meters heard through the bridge.</summary>
public sealed class PrometheusMeterBridgeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Bridge_CountsCompletedFailedAndRetriedAttemptsPerQueue_WhenTheWorkerRunsTasks()
    {
        using var host = BuildHost();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        using var bridge = new PrometheusMeterBridge(registry, host.Services.GetRequiredService<IMeterFactory>());
        await host.StartAsync();
        try
        {
            var store = host.Services.GetRequiredService<IQueueStore>();
            var ok = await store.EnqueueAsync(new NewTask(FlakyHandler.QueueName, """{"failures":0}"""));
            var retried = await store.EnqueueAsync(new NewTask(FlakyHandler.QueueName, """{"failures":1}"""));
            var dead = await store.EnqueueAsync(new NewTask(FlakyHandler.QueueName, """{"failures":9}""") { MaxRetries = 1 });
            foreach (var id in new[] { ok.Id, retried.Id, dead.Id })
                await Eventually.TrueAsync(async ct => (await store.GetAsync(id, ct))?.Status.IsFinished() == true, Patience, "the worker should finish every task");

            // Each outcome is counted just after the store records it, so the scrape waits for all of them.
            var text = await ScrapeUntilAsync(registry, "every finished task's outcome should be counted",
                "redisqueue_tasks_failed_total{queue=\"flaky\"} 1", "redisqueue_tasks_completed_total{queue=\"flaky\"} 2");

            text.Should().Contain("redisqueue_tasks_retried_total{queue=\"flaky\"} 2", "one retry of the second task, one of the third")
                .And.Contain("redisqueue_task_processing_duration_seconds_count{queue=\"flaky\",outcome=\"retried\"} 2")
                .And.Contain("redisqueue_task_wait_duration_seconds_count{queue=\"flaky\"} 3", "only first attempts measure the wait");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Bridge_HearsNothing_FromAnotherHostsMeters()
    {
        using var busy = BuildHost();
        using var idle = BuildHost();
        var busyRegistry = Prometheus.Metrics.NewCustomRegistry();
        var idleRegistry = Prometheus.Metrics.NewCustomRegistry();
        using var busyBridge = new PrometheusMeterBridge(busyRegistry, busy.Services.GetRequiredService<IMeterFactory>());
        using var idleBridge = new PrometheusMeterBridge(idleRegistry, idle.Services.GetRequiredService<IMeterFactory>());
        await busy.StartAsync();
        try
        {
            var store = busy.Services.GetRequiredService<IQueueStore>();
            await store.EnqueueAsync(new NewTask(FlakyHandler.QueueName, """{"failures":0}"""));
            await ScrapeUntilAsync(busyRegistry, "the busy host's bridge should count its task", "redisqueue_tasks_completed_total{queue=\"flaky\"} 1");

            (await ScrapeAsync(idleRegistry)).Should().NotContain("redisqueue_tasks_completed_total{", "the idle host ran nothing");
        }
        finally
        {
            await busy.StopAsync();
        }
    }

    [Fact]
    public async Task Bridge_CountsALeaseHandedBackAtStartUp_ByQueueAndReason()
    {
        using var host = BuildHost();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        using var bridge = new PrometheusMeterBridge(registry, host.Services.GetRequiredService<IMeterFactory>());
        var store = host.Services.GetRequiredService<IQueueStore>();
        var workerId = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<WorkerOptions>>().Value.WorkerId;
        // A lease left by an earlier process with this worker's id (or brought back by a restore).
        var left = await store.EnqueueAsync(new NewTask(FlakyHandler.QueueName, """{"failures":0}"""));
        await store.LeaseAsync(workerId, [FlakyHandler.QueueName], 1, TimeSpan.FromMinutes(10));
        await host.StartAsync();
        try
        {
            await Eventually.TrueAsync(async ct => (await store.GetAsync(left.Id, ct))?.Status == QueueTaskStatus.Completed, Patience,
                "the worker hands the lease back at start-up and then runs the task itself");

            // Counted after the hand-back returns, which also wakes the loop: the task may complete first.
            await ScrapeUntilAsync(registry, "the hand-back should be counted by queue and reason",
                "redisqueue_leases_reconciled_total{queue=\"flaky\",reason=\"handed-back\"} 1");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static IHost BuildHost()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Queue:Store:Backoff:BaseDelay"] = "00:00:00",
            ["Queue:Store:Backoff:JitterFraction"] = "0",
            ["Queue:Worker:IdlePollInterval"] = "00:00:00.050",
            ["Queue:SpoolDirectory"] = Path.Combine(Path.GetTempPath(), $"rq-bridge-spool-{Guid.NewGuid():N}"),
        });
        builder.Services.AddLogging();
        builder.Services.AddRedisQueue(builder.Configuration);
        builder.Services.AddQueueWorker(builder.Configuration);
        builder.Services.AddTaskHandler<FlakyHandler>();
        return builder.Build();
    }

    /// <summary>Scrapes, up to <see cref="Patience"/>, until the text holds every one of <paramref name="lines"/>; returns it.</summary>
    private static Task<string> ScrapeUntilAsync(CollectorRegistry registry, string because, params string[] lines) =>
        Eventually.MatchAsync(_ => ScrapeAsync(registry), t => lines.All(line => t.Contains(line, StringComparison.Ordinal)), Patience, because);

    private static async Task<string> ScrapeAsync(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Fails the first <c>failures</c> attempts of a task (retryably), then succeeds.</summary>
    private sealed class FlakyHandler : ITaskHandler
    {
        public const string QueueName = "flaky";

        public string Queue => QueueName;

        public Task<string?> HandleAsync(TaskContext context)
        {
            using var payload = System.Text.Json.JsonDocument.Parse(context.PayloadJson);
            if (context.Attempt <= payload.RootElement.GetProperty("failures").GetInt32())
                throw new InvalidOperationException($"attempt {context.Attempt} fails on purpose");
            return Task.FromResult<string?>("{}");
        }
    }
}
