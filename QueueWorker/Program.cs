using System.CommandLine;
using QueueWorker;

// QueueWorker: an independent worker process. Exit codes: 0 stopped cleanly, 2 usage or configuration error.
var parsed = WorkerCommandLine.Create(WorkerHost.RunAsync).Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) await Console.Error.WriteLineAsync($"QueueWorker: {error.Message}");
    await Console.Error.WriteLineAsync("Run with --help for usage.");
    return WorkerHost.UsageError;
}
// SIGTERM and Ctrl+C belong to the Generic Host, which drains within ShutdownGracePeriod and exits 0.
// System.CommandLine's default would cancel the host's token, then kill the process 2 s later with code
// 143, cutting a 30 s grace period short and leaving running tasks unreleased until the reaper.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
