using QueueWorker;

// QueueWorker: an independent worker process. Exit codes: 0 stopped cleanly, 2 usage or configuration error.
var parsed = WorkerCommandLine.Create(WorkerHost.RunAsync).Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) await Console.Error.WriteLineAsync($"QueueWorker: {error.Message}");
    await Console.Error.WriteLineAsync("Run with --help for usage.");
    return WorkerHost.UsageError;
}
return await parsed.InvokeAsync();
