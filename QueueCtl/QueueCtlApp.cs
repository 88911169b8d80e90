using System.CommandLine;
using QueueCtl.Cli;
using QueueCtl.Monitor;

namespace QueueCtl;

/// <summary>The <c>queuectl</c> command tree: the monitor commands and the local orchestrator.</summary>
public static class QueueCtlApp
{
    /// <summary>
    /// Parses <paramref name="args"/> and runs the command; returns its exit code (<see cref="ExitCodes"/>). A parse error
    /// (unknown command or option, bad value) is one <c>queuectl:</c> line per error on the error writer and exit 2.
    /// </summary>
    /// <remarks>
    /// When <paramref name="cancellationToken"/> cannot be cancelled (the process entry point passes none), Ctrl+C and
    /// SIGTERM cancel the command instead (<see cref="StopSignals"/>); tests pass their own token.
    /// </remarks>
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var globals = new GlobalOptions(environment);
        var root = new RootCommand("queuectl: monitor and administer a RedisQueue service, or start a local stack.");
        globals.AddTo(root);
        MonitorCommands.AddTo(root, globals);
        root.Subcommands.Add(Orchestration.StartCommand.Create(environment, globals.ApiKey));

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in UsageErrors(parsed)) await environment.Error.WriteLineAsync($"queuectl: {error}");
            return ExitCodes.Usage;
        }
        // start holds every later signal too: a second Ctrl+C must not end queuectl while it stops its children.
        using var signals = cancellationToken.CanBeCanceled ? null : new StopSignals(holdRepeats: parsed.CommandResult.Command.Name == "start");
        var configuration = new InvocationConfiguration
        {
            // Signals are ours (StopSignals): System.CommandLine's own handler would end the process after a fixed timeout.
            ProcessTerminationTimeout = null,
            Output = environment.Out.Profile.Out.Writer,
            Error = environment.Error,
        };
        return await parsed.InvokeAsync(configuration, signals?.Token ?? cancellationToken);
    }

    // One line per distinct problem. "queuectl frobnicate" is both an unknown word and a missing command: the unknown
    // word says it all. (The English text is matched; under another UI culture both lines show, which is still right.)
    private static IEnumerable<string> UsageErrors(ParseResult parsed)
    {
        var messages = parsed.Errors.Select(error => error.Message).Distinct(StringComparer.Ordinal).ToList();
        return messages.Count > 1 ? messages.Where(message => message != "Required command was not provided.") : messages;
    }
}
