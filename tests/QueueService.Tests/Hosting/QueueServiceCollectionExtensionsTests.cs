using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using QueueService.Hosting;
using QueueService.Stores;
using QueueService.Stores.Failover;
using QueueService.Stores.Memory;
using QueueService.Tasks;
using QueueService.Tests.Support;
using QueueService.Tests.Workers;
using QueueService.Workers;

namespace QueueService.Tests.Hosting;

public sealed class QueueServiceCollectionExtensionsTests
{
    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddRedisQueue(builder.Configuration);
        builder.Services.AddQueueWorker(builder.Configuration);
        builder.Services.AddTaskHandler<EchoHandler>();
        return builder.Build();
    }

    private static FailoverOptions ReadFailoverOptions(string redoMaxBytes)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Queue:Failover:RedoMaxBytes"] = redoMaxBytes }).Build();
        using var provider = new ServiceCollection().AddRedisQueue(configuration).AddQueueFailover(configuration).BuildServiceProvider();
        return provider.GetRequiredService<IOptions<FailoverOptions>>().Value;
    }

    [Fact]
    public void AddQueueFailover_BindsRedoMaxBytes_WhenItIsConfigured()
    {
        ReadFailoverOptions("2097152").RedoMaxBytes.Should().Be(2_097_152);
        new FailoverOptions().RedoMaxBytes.Should().Be(4L << 30, "the documented default, 4 GiB");
    }

    [Theory]
    [InlineData("65535")]
    [InlineData("-1")]
    public void AddQueueFailover_RefusesRedoMaxBytes_WhenBelow64KiB(string value)
    {
        var read = () => ReadFailoverOptions(value);

        read.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("RedoMaxBytes");
    }

    [Fact]
    public void AddRedisQueue_PicksInMemoryStore_WhenNoRedisIsConfigured()
    {
        var configuration = new ConfigurationBuilder().Build();
        using var provider = new ServiceCollection().AddRedisQueue(configuration).BuildServiceProvider();

        var store = provider.GetRequiredService<IQueueStore>();

        store.Should().BeOfType<InMemoryQueueStore>();
        store.Kind.Should().Be("memory");
    }

    [Fact]
    public async Task StartAsync_FailsNamingTheKey_WhenHeartbeatIsNotShorterThanLease()
    {
        using var host = BuildHost(new()
        {
            ["Queue:Worker:LeaseDuration"] = "00:00:10",
            ["Queue:Worker:HeartbeatInterval"] = "00:00:10",
        });

        var act = () => host.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>())
            .Which.Message.Should().Contain("Queue:Worker:HeartbeatInterval");
    }

    [Fact]
    public async Task StartAsync_FailsNamingTheKey_WhenConcurrencyIsOutOfRange()
    {
        using var host = BuildHost(new() { ["Queue:Worker:Concurrency"] = "0" });

        var act = () => host.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("Concurrency");
    }

    [Theory]
    [InlineData("OutcomeHoldTime", "00:00:00")]
    [InlineData("OutcomeHoldTime", "2.00:00:00")]
    [InlineData("RecentOutcomeRetention", "-00:00:01")]
    [InlineData("ReconcileWindow", "2.00:00:00")]
    public async Task StartAsync_FailsNamingTheKey_WhenAnOutageOptionIsOutOfRange(string key, string value)
    {
        using var host = BuildHost(new() { [$"Queue:Worker:{key}"] = value });

        var act = () => host.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain(key);
    }

    [Fact]
    public void AddQueueWorker_BindsTheOutageOptions_WhenTheyAreConfigured()
    {
        using var host = BuildHost(new()
        {
            ["Queue:Worker:OutcomeHoldTime"] = "00:20:00",
            ["Queue:Worker:RecentOutcomeRetention"] = "00:30:00",
            ["Queue:Worker:ReconcileWindow"] = "00:05:00",
        });

        var worker = host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value;

        (worker.OutcomeHoldTime, worker.RecentOutcomeRetention, worker.ReconcileWindow)
            .Should().Be((TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(5)));
        new WorkerOptions().OutcomeHoldTime.Should().Be(TimeSpan.FromMinutes(10), "the documented default");
    }

    [Fact]
    public void AddQueueWorker_RaisesShutdownTimeout_AboveTheWorkersWorstCaseStop()
    {
        using var host = BuildHost(new() { ["Queue:Worker:ShutdownGracePeriod"] = "00:01:00" });

        var hostOptions = host.Services.GetRequiredService<IOptions<HostOptions>>().Value;
        var worker = host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value;

        hostOptions.ShutdownTimeout.Should().BeGreaterThan(worker.WorstCaseStopTime);
    }

    [Fact]
    public async Task Host_RunsRegisteredHandler_WhenTaskIsEnqueued()
    {
        using var host = BuildHost(new()
        {
            ["Queue:Worker:IdlePollInterval"] = "00:00:00.100",
            ["Queue:Worker:ShutdownGracePeriod"] = "00:00:00.500",
        });
        await host.StartAsync();
        var store = host.Services.GetRequiredService<IQueueStore>();

        var id = (await store.EnqueueAsync(new NewTask(EchoHandler.QueueName, """{"text":"hi"}"""))).Id;

        var task = await Eventually.MatchAsync(async ct => await store.GetAsync(id, ct), t => t?.Status == QueueTaskStatus.Completed,
            TimeSpan.FromSeconds(10), "the hosted worker should run the registered handler");
        task!.ResultJson.Should().Be("""{"text":"hi"}""");
        await host.StopAsync();
    }

    private sealed class EchoHandler : ITaskHandler
    {
        public const string QueueName = "echo";
        public string Queue => QueueName;
        public Task<string?> HandleAsync(TaskContext context) => Task.FromResult<string?>(context.PayloadJson);
    }
}
