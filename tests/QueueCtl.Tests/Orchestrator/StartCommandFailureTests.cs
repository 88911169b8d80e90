using System.Net;
using System.Net.Sockets;

namespace QueueCtl.Tests.Orchestrator;

/// <summary><c>queuectl start</c> refusing bad input, and failing cleanly when the stack cannot start or stay up.</summary>
public sealed class StartCommandFailureTests
{
    [Theory]
    [InlineData("--workers", "65", "--workers must be from 0 to 64; got 65.")]
    [InlineData("--workers", "-1", "--workers must be from 0 to 64; got -1.")]
    [InlineData("--port", "0", "--port must be from 1 to 65535; got 0.")]
    [InlineData("--port", "70000", "--port must be from 1 to 65535; got 70000.")]
    [InlineData("--concurrency", "0", "--concurrency must be from 1 to 64; got 0.")]
    [InlineData("--redis-url", "redis://", "--redis-url 'redis://'")]
    [InlineData("--workers", "many", "many")]
    public async Task Start_ExitsWithUsage_WhenAnOptionIsBad(string option, string value, string expected)
    {
        await using var run = StackRun.Create();
        var (code, _) = await StackRun.RunToEndAsync(run, "start", "--data-dir", run.DataDirectory, option, value);

        code.Should().Be(2, run.Transcript);
        run.Errors.Should().ContainSingle().Which.Should().StartWith("queuectl: ").And.Contain(expected);
        run.Lines.Should().BeEmpty("nothing starts");
    }

    [Fact]
    public async Task Start_ExitsWithUsage_WhenRedisUrlInTheEnvironmentIsBad()
    {
        await using var run = StackRun.Create();
        run.Variables["REDIS_URL"] = "redis://";

        var (code, _) = await StackRun.RunToEndAsync(run, "start", "--data-dir", run.DataDirectory);

        code.Should().Be(2, run.Transcript);
        run.Errors.Should().ContainSingle().Which.Should().Be("queuectl: REDIS_URL 'redis://': expected redis://[[user]:password@]host[:port][/db].");
        run.Lines.Should().BeEmpty("nothing starts");
    }

    [Fact]
    public async Task Start_FailsWithTheInstallHint_WhenRedisServerIsNotOnPath()
    {
        await using var run = StackRun.Create();
        var dotnet = DotnetHost();
        run.Variables["PATH"] = Path.Combine(run.DataDirectory, "empty-bin");
        run.Variables["DOTNET_HOST_PATH"] = dotnet;

        var (code, _) = await StackRun.RunToEndAsync(run, run.StandardArgs("--workers", "1"));

        code.Should().Be(1, run.Transcript);
        run.Errors.Should().ContainSingle().Which.Should().Contain("redis-server is not on PATH").And.Contain("apt-get install redis-server");
        run.ChildPids().Should().BeEmpty("nothing was started");
        StackRun.IsListening(run.ApiPort).Should().BeFalse();
    }

    [Fact]
    public async Task Start_FailsLeavingNothingRunning_WhenThePortIsInUse()
    {
        await using var run = StackRun.Create();
        var squatter = new TcpListener(IPAddress.Loopback, run.ApiPort);
        squatter.Start();
        try
        {
            var (code, _) = await StackRun.RunToEndAsync(run, run.StandardArgs("--workers", "1"));

            code.Should().Be(1, run.Transcript);
            run.Errors.Should().ContainSingle().Which.Should().Be($"queuectl: port {run.ApiPort} is in use (an API already running?): stop what listens there, or choose another with --port.");
            run.ChildPids().Should().BeEmpty("the port is checked before anything starts");
            StackRun.IsListening(run.RedisPort).Should().BeFalse("no redis-server was left behind");
        }
        finally
        {
            squatter.Stop();
        }
    }

    [Fact]
    public async Task Start_StopsTheStackAndFails_WhenAWorkerKeepsCrashing()
    {
        await using var run = StackRun.Create();
        var broken = Path.Combine(run.DataDirectory, "Broken.dll");
        await File.WriteAllTextAsync(broken, "not an assembly");

        var (code, _) = await StackRun.RunToEndAsync(run, run.StandardArgs("--workers", "1", "--worker", broken));

        code.Should().Be(1, run.Transcript);
        run.Errors.Should().Contain(e => e.StartsWith("queuectl: worker-1 keeps crashing (3 times in a row", StringComparison.Ordinal));
        run.Lines.Count(l => l.StartsWith("[queuectl] worker-1 restarted", StringComparison.Ordinal)).Should().Be(2, "two restarts, then the third crash gives up");
        run.Lines.Should().Contain(l => l.StartsWith("[queuectl] api stopped (exit code 0)", StringComparison.Ordinal));
        run.ChildPids().Where(StackRun.IsAlive).Should().BeEmpty("the whole stack is stopped");
        StackRun.IsListening(run.RedisPort).Should().BeFalse();
    }

    [Fact]
    public async Task Start_FailsAndStopsRedis_WhenTheApiExitsBeforeAnsweringHealth()
    {
        await using var run = StackRun.Create();
        var broken = Path.Combine(run.DataDirectory, "BrokenApi.dll");
        await File.WriteAllTextAsync(broken, "not an assembly");

        var (code, _) = await StackRun.RunToEndAsync(run, run.StandardArgs("--workers", "1", "--api", broken));

        code.Should().Be(1, run.Transcript);
        run.Errors.Should().Contain(e => e.StartsWith("queuectl: the API exited with code ", StringComparison.Ordinal) && e.Contains("before answering GET", StringComparison.Ordinal));
        run.Lines.Should().NotContain(l => l.Contains("worker-1 started", StringComparison.Ordinal), "workers wait for a healthy API");
        run.Lines.Should().Contain(l => l.StartsWith("[queuectl] redis stopped (exit code 0)", StringComparison.Ordinal), "the Redis it started is stopped again");
        run.ChildPids().Where(StackRun.IsAlive).Should().BeEmpty();
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
                .Select(dir => Path.Combine(dir, "dotnet")).First(File.Exists);
}
