using System.Diagnostics;

namespace QueueService.Tests.Support;

/// <summary>Waits for a condition with a deadline instead of sleeping a fixed time.</summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="within"/> passes, then fails saying <paramref name="because"/>.</summary>
    public static async Task TrueAsync(Func<CancellationToken, Task<bool>> condition, TimeSpan within, string because)
    {
        using var cts = new CancellationTokenSource(within);
        var started = Stopwatch.GetTimestamp();
        Exception? lastError = null;
        while (true)
        {
            try
            {
                if (await condition(cts.Token)) return;
                lastError = null;
            }
            catch (Exception ex) when (!cts.IsCancellationRequested)
            {
                lastError = ex;
            }
            catch (OperationCanceledException)
            {
            }
            if (Stopwatch.GetElapsedTime(started) >= within)
                throw new TimeoutException($"Condition not met within {within}: {because}" +
                    (lastError is null ? "" : $" (last error: {lastError.GetType().Name}: {lastError.Message})"), lastError);
            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Polls <paramref name="read"/> until <paramref name="condition"/> holds on its value, and fails with the last value seen.</summary>
    public static async Task<T> MatchesAsync<T>(Func<CancellationToken, Task<T>> read, Func<T, bool> condition, TimeSpan within, string because)
    {
        T last = default!;
        try
        {
            await TrueAsync(async ct => condition(last = await read(ct)), within, because);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; last value: {last}", ex);
        }
        return last;
    }
}
