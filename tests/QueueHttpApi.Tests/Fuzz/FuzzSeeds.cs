using System.Globalization;

namespace QueueHttpApi.Tests.Fuzz;

/// <summary>
/// The seeds of the fuzz runs. Every run is reproducible from its seed: the requests are a pure function of
/// it and of the answers the server gave (which, with no workers running, are themselves deterministic).
/// The default CI run uses <see cref="Fixed"/> plus one fresh random seed per run (printed in the test output
/// and in every failure message); <c>FUZZ_SEED=n</c> replays seed n in place of the fresh one, and
/// <c>FUZZ_REQUESTS=n</c> scales the runs (n requests through HttpClient per run) for a longer local session.
/// </summary>
internal static class FuzzSeeds
{
    /// <summary>The seed every run uses, so CI always covers the same ground at least once.</summary>
    public const int Fixed = 20261123;

    /// <summary>The environment variable that replays a seed.</summary>
    public const string SeedVariable = "FUZZ_SEED";

    /// <summary>The environment variable that sets the number of HttpClient requests per run.</summary>
    public const string RequestsVariable = "FUZZ_REQUESTS";

    /// <summary><c>FUZZ_SEED</c> when set, else a fresh random seed.</summary>
    /// <exception cref="InvalidOperationException"><c>FUZZ_SEED</c> is not a whole number.</exception>
    public static int FreshOrReplayed()
    {
        var text = Environment.GetEnvironmentVariable(SeedVariable);
        if (string.IsNullOrWhiteSpace(text)) return Random.Shared.Next();
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : throw new InvalidOperationException($"{SeedVariable} must be a whole number (a seed printed by a fuzz run); got '{text}'.");
    }

    /// <summary><c>FUZZ_REQUESTS</c> when set, else <paramref name="byDefault"/>.</summary>
    /// <exception cref="InvalidOperationException"><c>FUZZ_REQUESTS</c> is not a positive whole number.</exception>
    public static int Requests(int byDefault)
    {
        var text = Environment.GetEnvironmentVariable(RequestsVariable);
        if (string.IsNullOrWhiteSpace(text)) return byDefault;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0
            ? count
            : throw new InvalidOperationException($"{RequestsVariable} must be a positive whole number; got '{text}'.");
    }
}
