using Xunit.Sdk;

namespace QueueService.Tests.Support;

/// <summary>
/// Waits for a condition with a deadline instead of sleeping and hoping: polls until it holds or
/// the time is up, then fails saying what was expected, why, and the last value (or error) seen.
/// Works on real time on purpose: the contract suite also runs against Redis, whose clock cannot be faked.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Polls <paramref name="condition"/> until it is true.</summary>
    /// <exception cref="XunitException">It was still false after <paramref name="within"/>.</exception>
    public static Task TrueAsync(Func<CancellationToken, Task<bool>> condition, TimeSpan within, string because) =>
        MatchAsync(condition, value => value, within, because);

    /// <summary>Polls <paramref name="probe"/> until its value satisfies <paramref name="until"/>, and returns that value.</summary>
    /// <exception cref="XunitException">No value satisfied it within <paramref name="within"/>.</exception>
    public static async Task<T> MatchAsync<T>(Func<CancellationToken, Task<T>> probe, Func<T, bool> until, TimeSpan within, string because)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(until);
        using var deadline = new CancellationTokenSource(within);
        var polls = 0;
        var last = "nothing (the condition was never evaluated)";
        while (true)
        {
            polls++;
            try
            {
                var value = await probe(deadline.Token);
                if (until(value)) return value;
                last = Describe(value);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                // The deadline interrupted the probe itself: report what came before.
            }
            catch (Exception e) when (e is not XunitException)
            {
                last = $"an exception: {e.GetType().Name}: {e.Message}";
            }
            if (deadline.IsCancellationRequested)
                throw new XunitException($"Expected within {within.TotalMilliseconds:0} ms: {because}. It never held after {polls} polls; the last value was {last}.");
            try
            {
                await Task.Delay(PollInterval, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                // One last poll follows at the top of the loop, then the failure.
            }
        }
    }

    private static string Describe<T>(T value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        System.Collections.IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Take(20)) + "]",
        _ => value.ToString() ?? "null",
    };
}
