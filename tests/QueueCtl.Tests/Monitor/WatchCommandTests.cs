using System.Text.Json;
using System.Text.RegularExpressions;
using QueueCtl.Tests.Monitor.Support;
using QueueService.Tests.Support;

namespace QueueCtl.Tests.Monitor;

/// <summary>
/// <c>watch</c> against the real API: runs in the background on a recording console while the test changes the queue,
/// and must show the change on a later refresh, then stop with exit 0 when cancelled (what Ctrl+C does).
/// </summary>
public sealed class WatchCommandTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly Regex RiskRowWithOneQueuedOneProcessing = new(@"risk-detection\s+1\s+0\s+1\s+0\s+");

    [Fact]
    public async Task Watch_PrintsEachRefreshShowingNewTasksAndProgress_UntilCancelled_WhenOutputIsNotATerminal()
    {
        using var api = CtlApi.Start();
        var ctl = new Ctl();
        using var stop = new CancellationTokenSource();
        var run = ctl.RunOnceAsync(["watch", "--interval", "0.1", "--url", api.Url], stop.Token);
        await WaitForOutputAsync(ctl, text => text.Contains("Nothing is processing.", StringComparison.Ordinal), "the first refresh should be printed");
        var before = ctl.Out.Text;

        var lease = await Seed.ProcessingAsync(api.Store, "worker-7", 40, "chunk 2 of 5");
        await Seed.QueuedAsync(api.Store);
        var processingRow = new Regex($@"{lease.TaskId}\s+#{{4}}-{{6}}\s+40%\s+[\d.]+ (ms|s)\s+risk-detection · on worker-7 · chunk 2 of 5");
        var after = await WaitForOutputAsync(ctl, text => processingRow.IsMatch(text) && RiskRowWithOneQueuedOneProcessing.IsMatch(text),
            "a later refresh should count both tasks and list the processing one with a 10-cell progress bar");
        stop.Cancel();
        var result = await run.WaitAsync(Patience);

        RiskRowWithOneQueuedOneProcessing.IsMatch(before).Should().BeFalse("the tasks came after the first refresh");
        Regex.Count(after, "RedisQueue · memory · ").Should().BeGreaterThanOrEqualTo(2, "each refresh is printed");
        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        result.Error.Should().BeEmpty();
    }

    [Fact]
    public async Task Watch_PrintsOneJsonLinePerRefreshWithThroughput_WhenAskedForJson()
    {
        using var api = CtlApi.Start();
        var ctl = new Ctl();
        using var stop = new CancellationTokenSource();
        await Seed.QueuedAsync(api.Store); // the queue exists from the first refresh on, so it gets a rate of its own
        var run = ctl.RunOnceAsync(["watch", "--json", "--interval", "0.1", "--url", api.Url], stop.Token);
        await WaitForOutputAsync(ctl, text => text.Contains('\n'), "the first refresh should be printed");

        for (var i = 0; i < 3; i++) await Seed.CompletedAsync(api.Store);
        await WaitForOutputAsync(ctl, text => Lines(text).Any(line => line.GetProperty("stats").GetProperty("totals").GetProperty("completedTotal").GetInt64() == 3),
            "a later refresh should count the completions");
        stop.Cancel();
        var result = await run.WaitAsync(Patience);

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        var lines = Lines(result.Out);
        lines.Count.Should().BeGreaterThanOrEqualTo(2);
        lines[0].GetProperty("throughput").ValueKind.Should().Be(JsonValueKind.Null, "the first refresh has nothing to compare with");
        lines[0].GetProperty("processing").GetProperty("items").GetArrayLength().Should().Be(0);
        lines[0].GetProperty("workers").GetProperty("total").GetInt32().Should().Be(0);
        for (var i = 1; i < lines.Count; i++)
        {
            // Throughput is the change of completedTotal over the change of the stats' `at`, per minute.
            var completed = Completed(lines[i]) - Completed(lines[i - 1]);
            var minutes = (lines[i].GetProperty("at").GetDateTimeOffset() - lines[i - 1].GetProperty("at").GetDateTimeOffset()).TotalMinutes;
            lines[i].GetProperty("throughput").GetProperty("perMinute").GetDouble().Should().BeApproximately(completed / minutes, 1e-6);
        }
        lines.Should().Contain(line => line.GetProperty("throughput").ValueKind == JsonValueKind.Object
            && line.GetProperty("throughput").GetProperty("perMinute").GetDouble() > 0
            && line.GetProperty("throughput").GetProperty("queues").GetProperty(Seed.Risk).GetDouble() > 0, "the completions happened between two refreshes");
    }

    [Fact]
    public async Task Watch_RedrawsInPlace_OnAnInteractiveAnsiTerminal()
    {
        using var api = CtlApi.Start();
        var ctl = new Ctl(interactiveAnsi: true);
        using var stop = new CancellationTokenSource();
        var run = ctl.RunOnceAsync(["watch", "--interval", "0.1", "--url", api.Url], stop.Token);
        await WaitForOutputAsync(ctl, text => text.Contains("Nothing is processing.", StringComparison.Ordinal), "the first frame should be drawn");

        await Seed.QueuedAsync(api.Store);
        await WaitForOutputAsync(ctl, text => Regex.IsMatch(text, @"risk-detection\s+1\s+"), "a redraw should show the new task");
        stop.Cancel();
        var result = await run.WaitAsync(Patience);

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        result.Out.Should().MatchRegex(@"\u001b\[\d*A", "the frame is redrawn by moving the cursor up over the previous one");
    }

    [Fact]
    public async Task Watch_KeepsTheLastFrameAndSaysTheRefreshFailed_WhenTheServiceGoesAway()
    {
        var api = CtlApi.Start();
        var ctl = new Ctl();
        using var stop = new CancellationTokenSource();
        var run = ctl.RunOnceAsync(["watch", "--interval", "0.1", "--url", api.Url], stop.Token);
        await WaitForOutputAsync(ctl, text => text.Contains("Nothing is processing.", StringComparison.Ordinal), "the first refresh should be printed");

        api.Dispose();
        await WaitForOutputAsync(ctl, text => text.Contains("failed (showing the one before; retrying): cannot reach the queue service:", StringComparison.Ordinal),
            "a failed refresh should be shown, not end the view");
        stop.Cancel();
        var result = await run.WaitAsync(Patience);

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
    }

    private static async Task<string> WaitForOutputAsync(Ctl ctl, Func<string, bool> until, string because) =>
        await Eventually.MatchAsync(_ => Task.FromResult(ctl.Out.Text), until, Patience, because);

    private static List<JsonElement> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();

    private static long Completed(JsonElement line) => line.GetProperty("stats").GetProperty("totals").GetProperty("completedTotal").GetInt64();
}
