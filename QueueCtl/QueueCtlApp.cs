using System.CommandLine;

namespace QueueCtl;

/// <summary>The <c>queuectl</c> command tree: the monitor commands and the local orchestrator.</summary>
public static class QueueCtlApp
{
    /// <summary>Parses <paramref name="args"/> and runs the command; returns its exit code (<see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var root = new RootCommand("queuectl: monitor and administer a RedisQueue service, or start a local stack.");
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) await environment.Error.WriteLineAsync($"queuectl: {error.Message}");
            return ExitCodes.Usage;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, cancellationToken);
    }
}
