using QueueCtl.Tests.Monitor.Support;

namespace QueueCtl.Tests.Monitor;

/// <summary>
/// A wrong command line is exit 2 with one clear <c>queuectl:</c> line naming what is wrong, and nothing on standard
/// output. None of these reach the service: the URL points where nothing listens, so a request would be exit 1.
/// </summary>
public sealed class UsageErrorTests
{
    private static readonly string Nowhere = $"http://127.0.0.1:{CtlApi.ClosedPort()}";

    [Theory]
    [InlineData("--limit must be a whole number from 1 to 500; got '0'", "list", "--limit", "0")]
    [InlineData("--limit must be a whole number from 1 to 500; got '501'", "list", "--limit", "501")]
    [InlineData("--limit must be a whole number from 1 to 500; got 'ten'", "list", "--limit", "ten")]
    [InlineData("--offset must be a whole number, 0 or more; got '-1'", "list", "--offset", "-1")]
    [InlineData("--status must be one of queued, scheduled, processing, completed, failed, cancelled; got 'done'", "list", "--status", "done")]
    [InlineData("--hours must be a number of hours from 0 to 876000; got '-1'", "clear", "--hours", "-1")]
    [InlineData("--hours must be a number of hours from 0 to 876000; got 'NaN'", "clear", "--hours", "NaN")]
    [InlineData("--hours must be a number of hours from 0 to 876000; got '876001'", "clear", "--hours", "876001")]
    [InlineData("Option '--hours' is required", "clear")]
    [InlineData("--interval must be a number of seconds from 0.05 to 3600; got '0'", "watch", "--interval", "0")]
    [InlineData("--interval must be a number of seconds from 0.05 to 3600; got 'fast'", "watch", "--interval", "fast")]
    [InlineData("Required argument 'id' missing", "show")]
    [InlineData("Required argument 'id' missing", "cancel")]
    [InlineData("Required argument 'id' missing", "retry")]
    [InlineData("Unrecognized command or argument 'frobnicate'", "frobnicate")]
    [InlineData("Unrecognized command or argument '--colour'", "stats", "--colour")]
    [InlineData("Required command was not provided", new string[0])]
    public async Task Command_ExitsWithUsage_WhenTheCommandLineIsWrong(string message, params string[] args)
    {
        var result = await Ctl.RunAsync([.. args, "--url", Nowhere]);

        result.ExitCode.Should().Be(ExitCodes.Usage, result.ToString());
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().ContainSingle(result.ToString()).Which.Should().StartWith("queuectl: ").And.Contain(message);
        result.Out.Should().BeEmpty();
    }

    [Theory]
    [InlineData("ftp://example.org")]
    [InlineData("localhost:8002")]
    [InlineData("http://example.org/?x=1")]
    public async Task Command_ExitsWithUsage_WhenUrlIsNotAnHttpBaseAddress(string url)
    {
        var result = await Ctl.RunAsync("stats", "--url", url);

        result.ExitCode.Should().Be(ExitCodes.Usage, result.ToString());
        result.Error.Trim().Should().StartWith("queuectl: --url: ").And.Contain(url);
    }

    [Fact]
    public async Task Command_ExitsWithUsage_WhenQueueServiceUrlIsNotAUrl()
    {
        var result = await Ctl.RunWithVariablesAsync(new Dictionary<string, string?> { ["QUEUE_SERVICE_URL"] = "not a url" }, "stats");

        result.ExitCode.Should().Be(ExitCodes.Usage, result.ToString());
        result.Error.Trim().Should().Be("queuectl: QUEUE_SERVICE_URL: 'not a url' is not an absolute http:// or https:// URL.");
    }

    [Fact]
    public async Task Help_ListsEveryMonitorCommand_WhenAskedForHelp()
    {
        var result = await Ctl.RunAsync("--help");

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        foreach (var command in new[] { "stats", "list", "show <id>", "cancel <id>", "retry <id>", "clear", "cleanup", "backup", "workers", "health", "watch", "--url", "--api-key" })
            result.Out.Should().Contain(command);
    }
}
