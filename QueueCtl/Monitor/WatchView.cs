using QueueClient;

namespace QueueCtl.Monitor;

/// <summary>The live terminal view of <c>queuectl watch</c> (and <c>queuectl start --monitor</c>).</summary>
public static class WatchView
{
    /// <summary>
    /// Shows queue depths, processing tasks with progress bars, workers and throughput, refreshed in place every
    /// <paramref name="interval"/> until <paramref name="cancellationToken"/> fires; returns an exit code.
    /// </summary>
    public static Task<int> RunAsync(IQueueApiClient client, TimeSpan interval, CliEnvironment environment, CancellationToken cancellationToken) =>
        throw new NotImplementedException("queuectl watch lands with the monitor commands.");
}
