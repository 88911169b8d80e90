using QueueCtl.Tests.Monitor.Support;

namespace QueueCtl.Tests.Monitor;

/// <summary>
/// When nothing answers at the URL, every command says so in one line naming the URL and the reason, exits 1, and
/// prints no stack trace.
/// </summary>
public sealed class UnreachableServiceTests
{
    [Theory]
    [InlineData("stats")]
    [InlineData("list")]
    [InlineData("show", "some-id")]
    [InlineData("cancel", "some-id")]
    [InlineData("retry", "some-id")]
    [InlineData("clear", "--hours", "1")]
    [InlineData("cleanup")]
    [InlineData("backup")]
    [InlineData("workers")]
    [InlineData("health")]
    [InlineData("watch", "--interval", "0.1")]
    [InlineData("watch", "--json")]
    public async Task Command_FailsNamingTheUrl_WhenNothingAnswersThere(params string[] args)
    {
        var url = $"http://127.0.0.1:{CtlApi.ClosedPort()}";

        var result = await Ctl.RunAsync([.. args, "--url", url, "--api-key", "k"]);

        result.ExitCode.Should().Be(ExitCodes.Failure, result.ToString());
        result.Error.Should().StartWith($"queuectl: cannot reach the queue service at {url}: ").And.Contain("refused");
        result.Error.Should().NotContain(" at QueueCtl", "no stack trace").And.NotContain("Exception");
        result.Out.Should().BeEmpty();
    }

    [Fact]
    public async Task Stats_ReachesTheUrlOfQueueServiceUrl_WhenNoUrlIsGiven()
    {
        var url = $"http://127.0.0.1:{CtlApi.ClosedPort()}";

        var result = await Ctl.RunWithVariablesAsync(new Dictionary<string, string?> { ["QUEUE_SERVICE_URL"] = url }, "stats");

        result.ExitCode.Should().Be(ExitCodes.Failure, result.ToString());
        result.Error.Should().StartWith($"queuectl: cannot reach the queue service at {url}: ", "the variable named where to go");
    }
}
