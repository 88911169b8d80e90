namespace QueueService.Tests.Support;

/// <summary>Waits for a condition against a deadline: never a fixed sleep.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="within"/> passes, then fails with <paramref name="because"/>.</summary>
    public static async Task TrueAsync(Func<CancellationToken, Task<bool>> condition, TimeSpan within, string because)
    {
        using var cts = new CancellationTokenSource(within);
        var delay = TimeSpan.FromMilliseconds(10);
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition(cts.Token)) return;
                last = null;
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                last = ex;
            }
            if (cts.IsCancellationRequested) break;
            try
            {
                await Task.Delay(delay, cts.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            delay = TimeSpan.FromMilliseconds(Math.Min(200, delay.TotalMilliseconds * 2));
        }
        throw new TimeoutException($"Condition not met within {within}: {because}" + (last is null ? "" : $" (last error: {last.Message})"), last);
    }
}
