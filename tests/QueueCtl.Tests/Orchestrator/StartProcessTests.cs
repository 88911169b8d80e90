using System.Text.RegularExpressions;
using QueueCtl.Tests.Monitor.Support;
using QueueService.Tests.Support;

namespace QueueCtl.Tests.Orchestrator;

/// <summary>The built queuectl running <c>start</c> as a real process, stopped by a real signal.</summary>
public sealed partial class StartProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(2, true)]   // SIGINT: Ctrl+C
    [InlineData(15, true)]  // SIGTERM: kill, systemd, docker stop
    [InlineData(1, true)]   // SIGHUP: the terminal or ssh session closed (the children, in sessions of their own, never see it)
    [InlineData(15, false)] // at once: the worker may still be starting, before its host takes SIGTERM over
    public async Task Start_StopsEveryChildAndExitsZero_WhenSignalled(int signal, bool afterTheWorkerIsUp)
    {
        var data = Directory.CreateTempSubdirectory("rq-queuectl-process-").FullName;
        var pids = new List<int>();
        try
        {
            using var start = CtlProcess.Start("start", "--workers", "1", "--port", StackRun.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--redis-url", $"redis://127.0.0.1:{StackRun.FreePort()}", "--data-dir", data);
            await Eventually.TrueAsync(_ => Task.FromResult(start.Out.Contains("stack up:", StringComparison.Ordinal)), Patience,
                "queuectl start should bring Redis, the API and a worker up");
            pids.AddRange(PidPattern().Matches(start.Out).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
            pids.Should().HaveCount(3, "redis, the API and one worker each print their pid:\n" + start.Out);
            pids.Should().OnlyContain(pid => StackRun.IsAlive(pid));
            if (afterTheWorkerIsUp)
                await Eventually.TrueAsync(_ => Task.FromResult(start.Out.Contains("[worker-1]", StringComparison.Ordinal)
                        && start.Out.Contains("started on queues", StringComparison.Ordinal)), Patience, "the worker should log that it runs");

            start.Signal(signal);

            (await start.WaitForExitAsync(Patience)).Should().Be(ExitCodes.Ok, $"{start.Out}\n{start.Error}");
            pids.Should().NotContain(pid => StackRun.IsAlive(pid), "every child is stopped before queuectl exits");
            start.Out.Should().Contain("[queuectl] stopped");
            Directory.GetFiles(Path.Combine(data, "backups"), "snapshot-*.rqsnap").Should().NotBeEmpty("the API takes its shutdown snapshot");
        }
        finally
        {
            foreach (var pid in pids.Where(StackRun.IsAlive))
            {
                try
                {
                    System.Diagnostics.Process.GetProcessById(pid).Kill();
                }
                catch (ArgumentException)
                {
                    // Gone meanwhile.
                }
            }
            Directory.Delete(data, recursive: true);
        }
    }

    [GeneratedRegex(@"^\[queuectl\] .*\(pid (\d+)", RegexOptions.Multiline)]
    private static partial Regex PidPattern();
}
