using System.Text.Json;
using QueueCtl.Tests.Monitor.Support;
using QueueService.Tests.Support;

namespace QueueCtl.Tests.Monitor;

/// <summary>The built queuectl as a real process: its entry point, exit codes and Ctrl+C.</summary>
public sealed class QueueCtlProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task QueueCtl_PrintsStatsJsonAndExitsZero_WhenTheServiceAnswers()
    {
        using var api = CtlApi.Start();
        await Seed.QueuedAsync(api.Store);

        var result = await CtlProcess.RunAsync(Patience, "stats", "--json", "--url", api.Url);

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        var stats = JsonDocument.Parse(result.Out).RootElement;
        stats.GetProperty("queues").GetProperty(Seed.Risk).GetProperty("queued").GetInt64().Should().Be(1);
        result.Error.Should().BeEmpty();
    }

    [Fact]
    public async Task QueueCtl_ExitsTwoWithOneLine_WhenTheCommandLineIsWrong()
    {
        var result = await CtlProcess.RunAsync(Patience, "list", "--limit", "0");

        result.ExitCode.Should().Be(ExitCodes.Usage, result.ToString());
        result.Error.Should().Be("queuectl: --limit must be a whole number from 1 to 500; got '0'.\n");
        result.Out.Should().BeEmpty();
    }

    [Fact]
    public async Task QueueCtl_ExitsOneWithoutAStackTrace_WhenTheServiceIsUnreachable()
    {
        var url = $"http://127.0.0.1:{CtlApi.ClosedPort()}";

        var result = await CtlProcess.RunAsync(Patience, "stats", "--url", url);

        result.ExitCode.Should().Be(ExitCodes.Failure, result.ToString());
        result.Error.Should().StartWith($"queuectl: cannot reach the queue service at {url}: ").And.NotContain("Unhandled exception");
    }

    [Fact]
    public async Task QueueCtlWatch_ExitsZero_WhenInterruptedWithCtrlC()
    {
        using var api = CtlApi.Start();
        using var watch = CtlProcess.Start("watch", "--interval", "0.2", "--url", api.Url);
        await Eventually.TrueAsync(_ => Task.FromResult(watch.Out.Contains("Nothing is processing.", StringComparison.Ordinal)), Patience,
            "watch should print its first refresh (redirected output: one frame after another)");

        watch.Interrupt();

        (await watch.WaitForExitAsync(Patience)).Should().Be(ExitCodes.Ok, $"Ctrl+C ends the view normally.\n{watch.Out}\n{watch.Error}");
        watch.Error.Should().BeEmpty();
    }
}
