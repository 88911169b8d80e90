using System.Text.Json;
using QueueCtl.Tests.Monitor.Support;
using QueueService.Tasks;

namespace QueueCtl.Tests.Monitor;

public sealed class StatsCommandTests
{
    [Fact]
    public async Task Stats_PrintsEachQueuesFiguresAndTheTotals_WhenTasksAreInSeveralStates()
    {
        using var api = CtlApi.Start();
        await Seed.QueuedAsync(api.Store);
        await Seed.QueuedAsync(api.Store);
        await Seed.FailedAsync(api.Store, "boom");
        await api.Store.EnqueueAsync(new NewTask(Seed.Transcription, """{"audioPath":"a.wav"}""") { Delay = TimeSpan.FromHours(1) });

        var result = await api.RunAsync("stats");

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        result.Out.Should().Contain("Store memory, 0 live workers");
        // Columns: risk-detection, transcription, total.
        result.Out.Should().MatchRegex(@"risk-detection\s+transcription\s+total");
        result.Out.Should().MatchRegex(@"\bqueued\s+2\s+0\s+2\b");
        result.Out.Should().MatchRegex(@"\bscheduled\s+0\s+1\s+1\b");
        result.Out.Should().MatchRegex(@"\bfailed\s+1\s+0\s+1\b");
        result.Out.Should().MatchRegex(@"\benqueued ever\s+3\s+1\s+4\b");
        result.Error.Should().BeEmpty();
    }

    [Fact]
    public async Task Stats_PrintsTheApisJson_WhenAskedForJson()
    {
        using var api = CtlApi.Start();
        await Seed.QueuedAsync(api.Store);
        await Seed.CompletedAsync(api.Store);

        var result = await api.RunAsync("stats", "--json");

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        var stats = JsonDocument.Parse(result.Out).RootElement;
        stats.GetProperty("store").GetString().Should().Be("memory");
        stats.GetProperty("workers").GetInt32().Should().Be(0);
        var risk = stats.GetProperty("queues").GetProperty(Seed.Risk);
        risk.GetProperty("queued").GetInt64().Should().Be(1);
        risk.GetProperty("completed").GetInt64().Should().Be(1);
        risk.GetProperty("completedTotal").GetInt64().Should().Be(1);
        risk.GetProperty("averageProcessingSeconds").ValueKind.Should().Be(JsonValueKind.Number);
        stats.GetProperty("totals").GetProperty("enqueuedTotal").GetInt64().Should().Be(2);
        result.Out.Should().Contain("\n  \"store\"", "the JSON is indented");
    }

    [Fact]
    public async Task Stats_FailsWithThe503Problem_WhenTheApiCannotReachItsStore()
    {
        using var api = CtlApi.WithUnreachableStore();

        var result = await api.RunAsync("stats");

        result.ExitCode.Should().Be(ExitCodes.Failure, result.ToString());
        result.Error.Should().StartWith("queuectl: 503 ");
        result.Out.Should().BeEmpty();
    }
}
