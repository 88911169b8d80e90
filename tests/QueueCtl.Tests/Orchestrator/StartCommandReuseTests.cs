using System.Net.Sockets;
using QueueService.Tests.Fixtures;

namespace QueueCtl.Tests.Orchestrator;

/// <summary><c>queuectl start</c> on a Redis that already runs (the tests' shared server), and with <c>--monitor</c>.</summary>
public sealed class StartCommandReuseTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Start_LeavesTheRedisRunning_WhenItReusedIt()
    {
        await using var run = StackRun.Create();
        run.Variables["REDIS_URL"] = redis.ConnectionString; // host:port, StackExchange.Redis syntax

        run.Start("start", "--workers", "0", "--port", run.ApiPort.ToString(), "--data-dir", run.DataDirectory);
        await run.WaitUntilUpAsync();
        run.Lines.Should().Contain(l => l.StartsWith("[queuectl] reusing the Redis at " + redis.ConnectionString, StringComparison.Ordinal));
        run.Lines.Should().NotContain(l => l.StartsWith("[redis]", StringComparison.Ordinal), "no redis-server was started");

        (await run.StopAsync()).Should().Be(0, run.Transcript);

        run.Lines.Should().NotContain(l => l.Contains("stopping redis-server", StringComparison.Ordinal));
        (await redis.Connection.GetDatabase().PingAsync()).Should().BePositive("the reused Redis still answers");
        run.ChildPids().Where(StackRun.IsAlive).Should().BeEmpty();
    }

    [Fact]
    public async Task Start_WritesChildrenOutputToLogFiles_WhenMonitoring()
    {
        await using var run = StackRun.Create();
        run.Start(run.StandardArgs("--workers", "0", "--monitor"));
        var apiLog = Path.Combine(run.DataDirectory, "logs", "api.out.log");
        await QueueService.Tests.Support.Eventually.TrueAsync(
            _ => Task.FromResult(File.Exists(apiLog) && ReadShared(apiLog).Contains("RedisQueue API started", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(45), "the API's output goes to its log file");
        File.Exists(Path.Combine(run.DataDirectory, "logs", "redis.out.log")).Should().BeTrue();

        (await run.StopAsync()).Should().Be(0, run.Transcript);
        run.Lines.Should().NotContain(l => l.StartsWith("[api]", StringComparison.Ordinal) || l.StartsWith("[redis]", StringComparison.Ordinal),
            "with --monitor the console belongs to the watch view");
        run.ChildPids().Where(StackRun.IsAlive).Should().BeEmpty();
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }
}
