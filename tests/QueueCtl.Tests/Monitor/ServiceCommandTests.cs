using System.Text.Json;
using QueueCtl.Tests.Monitor.Support;

namespace QueueCtl.Tests.Monitor;

/// <summary><c>workers</c> and <c>health</c>.</summary>
public sealed class ServiceCommandTests
{
    [Fact]
    public async Task Workers_ListsEachLiveWorker_WhenWorkersAreRegistered()
    {
        using var api = CtlApi.Start();
        await Seed.WorkerAsync(api.Store, "worker-a", Seed.Risk);
        await Seed.WorkerAsync(api.Store, "worker-b", Seed.Transcription, Seed.Risk);

        var human = await api.RunAsync("workers");
        var json = await api.RunAsync("workers", "--json");

        human.ExitCode.Should().Be(ExitCodes.Ok, human.ToString());
        human.Out.Should().MatchRegex(@"worker-a\s+test-host\s+4242\s+risk-detection\s+0/2\s+[\d.]+ (ms|s)\s+[\d.]+ (ms|s) ago");
        human.Out.Should().MatchRegex(@"worker-b\s+test-host\s+4242\s+transcription, risk-detection\s+0/2");
        human.Out.Should().Contain("2 live workers.");
        var list = JsonDocument.Parse(json.Out).RootElement;
        list.GetProperty("total").GetInt32().Should().Be(2);
        var first = list.GetProperty("items")[0];
        first.GetProperty("id").GetString().Should().Be("worker-a");
        first.GetProperty("pid").GetInt32().Should().Be(4242);
        first.GetProperty("queues").EnumerateArray().Select(q => q.GetString()).Should().Equal(Seed.Risk);
        first.GetProperty("lastSeen").GetDateTimeOffset().Should().BeAfter(DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public async Task Workers_SaysThereAreNone_WhenNoWorkerIsLive()
    {
        using var api = CtlApi.Start();

        var result = await api.RunAsync("workers");

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        result.Out.Trim().Should().Be("No live workers.");
    }

    [Fact]
    public async Task Health_ExitsZeroShowingEveryCheck_WhenTheServiceIsHealthy()
    {
        using var api = CtlApi.Start();

        var human = await api.RunAsync("health");
        var json = await api.RunAsync("health", "--json");

        human.ExitCode.Should().Be(ExitCodes.Ok, human.ToString());
        human.Out.Should().StartWith("Status: Healthy (");
        human.Out.Should().MatchRegex(@"store\s+Healthy\s+The memory store answers\.");
        human.Out.Should().MatchRegex(@"backup\s+Healthy").And.MatchRegex(@"workers\s+Healthy");
        json.ExitCode.Should().Be(ExitCodes.Ok, json.ToString());
        var report = JsonDocument.Parse(json.Out).RootElement;
        report.GetProperty("status").GetString().Should().Be("Healthy");
        report.GetProperty("checks").GetProperty("store").GetProperty("data").GetProperty("store").GetString().Should().Be("memory");
        report.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(["status", "totalDurationMs", "checks"], "the API's shape, nothing added");
    }

    [Fact]
    public async Task Health_ExitsZero_WhenTheServiceIsOnlyDegraded()
    {
        using var api = CtlApi.Start();
        await Seed.QueuedAsync(api.Store); // queued with no live worker to run it: the workers check is Degraded

        var result = await api.RunAsync("health");

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        result.Out.Should().StartWith("Status: Degraded").And.MatchRegex(@"workers\s+Degraded\s+Tasks are queued with no live worker");
    }

    [Fact]
    public async Task Health_ExitsOne_WhenTheServiceIsUnhealthy()
    {
        using var api = CtlApi.WithUnreachableStore();

        var human = await api.RunAsync("health");
        var json = await api.RunAsync("health", "--json");

        human.ExitCode.Should().Be(ExitCodes.Failure, human.ToString());
        human.Out.Should().StartWith("Status: Unhealthy").And.MatchRegex(@"store\s+Unhealthy\s+The redis store cannot be reached");
        human.Error.Should().BeEmpty("an unhealthy answer is a report, not an error");
        json.ExitCode.Should().Be(ExitCodes.Failure, json.ToString());
        JsonDocument.Parse(json.Out).RootElement.GetProperty("status").GetString().Should().Be("Unhealthy");
    }
}
