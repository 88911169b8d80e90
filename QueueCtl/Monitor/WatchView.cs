using QueueClient;
using QueueCtl.Cli;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace QueueCtl.Monitor;

/// <summary>The live terminal view of <c>queuectl watch</c> (and <c>queuectl start --monitor</c>).</summary>
public static class WatchView
{
    /// <summary>
    /// Shows queue depths, processing tasks with progress bars, workers and throughput, refreshed in place every
    /// <paramref name="interval"/> until <paramref name="cancellationToken"/> fires; returns an exit code.
    /// </summary>
    /// <remarks>
    /// On an interactive ANSI terminal the frame is redrawn in place (Spectre.Console <c>Live</c>); otherwise (output
    /// redirected, a dumb terminal) each refresh is printed below the previous one. Cancellation ends the view with
    /// <see cref="ExitCodes.Ok"/>. A failing refresh after the first is shown under the last good frame and retried
    /// at the next interval (the service may be restarting); when the very first refresh fails, the client's exception
    /// (<see cref="QueueApiException"/>, <see cref="HttpRequestException"/>) propagates, so the caller can report it.
    /// </remarks>
    public static async Task<int> RunAsync(IQueueApiClient client, TimeSpan interval, CliEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        var console = environment.Out;
        var unicode = console.Profile.Capabilities.Unicode;
        var refreshes = new Refreshes(client, interval);
        var first = await refreshes.FirstAsync(cancellationToken);
        if (first is null) return ExitCodes.Ok;
        IRenderable Frame() => WatchFrame.Render(refreshes.Latest!, interval, refreshes.Failure, refreshes.FailedAt, unicode);

        if (console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi)
        {
            await console.Live(Frame()).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).StartAsync(async live =>
            {
                while (await refreshes.NextAsync(cancellationToken))
                {
                    live.UpdateTarget(Frame());
                    live.Refresh();
                }
            });
            return ExitCodes.Ok;
        }

        // No cursor control: one frame after another, each under a rule, so a log of the output reads in order.
        console.Write(new Rule());
        console.Write(Frame());
        while (await refreshes.NextAsync(cancellationToken))
        {
            console.Write(new Rule());
            console.Write(Frame());
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// <c>watch --json</c>: one JSON object per refresh, on one line each (<see cref="WatchSample"/>: at, stats, workers,
    /// processing, throughput), until cancelled. A failing refresh after the first is reported on the error writer and retried.
    /// </summary>
    internal static async Task<int> RunJsonAsync(IQueueApiClient client, TimeSpan interval, CliEnvironment environment, CancellationToken cancellationToken)
    {
        var refreshes = new Refreshes(client, interval);
        var sample = await refreshes.FirstAsync(cancellationToken);
        if (sample is null) return ExitCodes.Ok;
        await JsonOutput.WriteLineAsync(environment, sample);
        while (await refreshes.NextAsync(cancellationToken))
        {
            if (refreshes.Failure is { } failure)
                foreach (var line in failure) await environment.Error.WriteLineAsync($"queuectl: refresh failed: {line.Trim()}");
            else await JsonOutput.WriteLineAsync(environment, refreshes.Latest);
        }
        return ExitCodes.Ok;
    }

    /// <summary>The refresh loop both views share: waits the interval, reads a sample, keeps the last good one and the latest failure.</summary>
    private sealed class Refreshes(IQueueApiClient client, TimeSpan interval)
    {
        private readonly ThroughputMeter _meter = new();

        public WatchSample? Latest { get; private set; }
        public IReadOnlyList<string>? Failure { get; private set; }
        public DateTimeOffset? FailedAt { get; private set; }

        /// <summary>The first sample; null when cancelled first. A failure propagates (nothing to show yet).</summary>
        public async Task<WatchSample?> FirstAsync(CancellationToken cancellationToken)
        {
            try
            {
                return Latest = await WatchSample.ReadAsync(client, _meter, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }

        /// <summary>Waits one interval and refreshes; false once cancelled. A failed refresh sets <see cref="Failure"/> and still returns true.</summary>
        public async Task<bool> NextAsync(CancellationToken cancellationToken)
        {
            try
            {
                await Task.Delay(interval, TimeProvider.System, cancellationToken);
                Latest = await WatchSample.ReadAsync(client, _meter, cancellationToken);
                Failure = null;
                FailedAt = null;
                return true;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception error) when (ApiErrors.Describe(error, baseAddress: null) is { } lines)
            {
                Failure = lines;
                FailedAt = TimeProvider.System.GetUtcNow();
                return true;
            }
        }
    }
}
