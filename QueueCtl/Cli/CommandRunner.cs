using System.CommandLine;
using QueueClient;

namespace QueueCtl.Cli;

/// <summary>
/// Runs one API command: resolves the connection (a bad <c>QUEUE_SERVICE_URL</c> is a usage error), makes the client,
/// and turns refusals, transport failures and interruption into a message on the error writer and an exit code.
/// </summary>
internal static class CommandRunner
{
    /// <summary>Runs <paramref name="run"/> with a client of the service the command line names; returns its exit code or the failure's.</summary>
    public static async Task<int> RunAsync(ParseResult parsed, GlobalOptions globals,
        Func<IQueueApiClient, CancellationToken, Task<int>> run, CancellationToken cancellationToken)
    {
        var error = globals.Environment.Error;
        if (!globals.TryResolve(parsed, out var connection, out var usage))
        {
            await error.WriteLineAsync($"queuectl: {usage}");
            return ExitCodes.Usage;
        }
        var client = connection.CreateClient();
        try
        {
            return await run(client, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("queuectl: interrupted.");
            return ExitCodes.Failure;
        }
        catch (Exception failure) when (ApiErrors.Describe(failure, connection.BaseAddress) is { } lines)
        {
            foreach (var line in lines) await error.WriteLineAsync($"queuectl: {line}");
            return ExitCodes.Failure;
        }
        finally
        {
            (client as IDisposable)?.Dispose();
        }
    }
}
