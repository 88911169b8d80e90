using QueueService.Stores.Redis;

namespace QueueHttpApi.Hosting;

/// <summary>
/// How this API process runs, decided once from configuration: <b>embedded</b> (no Redis configured:
/// the in-memory store and workers in this process, by default one task at a time) or <b>redis</b>
/// (separate QueueWorker processes do the work; embedded workers default to none).
/// </summary>
/// <param name="IsEmbedded">True when no Redis is configured.</param>
/// <param name="EmbeddedWorkers">How many tasks this process runs at once (<c>Queue:EmbeddedWorkers</c>, env <c>QUEUE_EMBEDDED_WORKERS</c>).</param>
public sealed record ApiMode(bool IsEmbedded, int EmbeddedWorkers)
{
    /// <summary>The configuration key of <see cref="EmbeddedWorkers"/>.</summary>
    public const string EmbeddedWorkersKey = "Queue:EmbeddedWorkers";

    /// <summary>The most embedded workers one process may run.</summary>
    public const int MaxEmbeddedWorkers = 64;

    /// <summary><c>embedded</c> or <c>redis</c>, as logged and reported.</summary>
    public string Name => IsEmbedded ? "embedded" : "redis";

    /// <summary>Reads the mode from configuration.</summary>
    /// <exception cref="InvalidOperationException"><c>Queue:EmbeddedWorkers</c> is not a whole number from 0 to <see cref="MaxEmbeddedWorkers"/> (the message names it).</exception>
    public static ApiMode From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var embedded = string.IsNullOrWhiteSpace(configuration[$"{RedisStoreOptions.Section}:{nameof(RedisStoreOptions.Configuration)}"]);
        var text = configuration[EmbeddedWorkersKey];
        var workers = embedded ? 1 : 0;
        if (!string.IsNullOrWhiteSpace(text)
            && (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out workers)
                || workers > MaxEmbeddedWorkers))
            throw new InvalidOperationException(
                $"{EmbeddedWorkersKey} (env QUEUE_EMBEDDED_WORKERS) must be a whole number from 0 to {MaxEmbeddedWorkers}; got '{text}'.");
        return new ApiMode(embedded, workers);
    }
}
