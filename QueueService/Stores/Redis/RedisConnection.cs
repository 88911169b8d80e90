using StackExchange.Redis;

namespace QueueService.Stores.Redis;

/// <summary>How the queue connects to Redis: the one place its client settings are chosen.</summary>
public static class RedisConnection
{
    /// <summary>
    /// The client settings for <paramref name="configuration"/> (a StackExchange.Redis configuration string):
    /// <list type="bullet">
    /// <item><c>AbortOnConnectFail = false</c>: a Redis that is down at start is retried, and store calls answer
    /// <see cref="StoreError.Unavailable"/> meanwhile.</item>
    /// <item><see cref="BacklogPolicy.FailFast"/>: with no connection a command fails at once instead of waiting in the
    /// client's backlog until its 5 s timeout, so the failover store switches to memory at the first refused call and
    /// workers pause and hold their outcomes, rather than every caller hanging while Redis is down.</item>
    /// <item><c>ConnectRetry = 1</c> unless the configuration sets <c>connectRetry</c>: a process that starts while
    /// Redis is down gets its (disconnected) client after one refused attempt instead of after the client's default
    /// three, whose two retries wait the connect timeout each (10 s with the default 5 s): an API restarted during an
    /// outage refused every submission for those 10 s before it could take them into memory (now about 1.5 s, as with
    /// Redis up). The one attempt can still wait the connect timeout when the refusal reaches the client before it
    /// starts watching for it (seen once, in a loaded CI run). The client keeps reconnecting in the background
    /// either way.</item>
    /// <item><see cref="SocketManager.ThreadPool"/>: replies are read and their awaiters resumed on the .NET thread
    /// pool rather than on the client's own dedicated reader threads. On a 2-core machine the dedicated threads cost a
    /// context switch per reply: an awaited SET took 130–160 µs with them and 60–65 µs without (bench/, 20,000 calls).</item>
    /// </list>
    /// </summary>
    /// <exception cref="ArgumentException">The configuration string cannot be parsed.</exception>
    public static ConfigurationOptions Options(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.SocketManager = SocketManager.ThreadPool;
        if (!Sets(configuration, "connectRetry"))
            options.ConnectRetry = 1;
        return options;
    }

    /// <summary>Whether the configuration string has a <paramref name="key"/>=value item (keys are case-insensitive, as the client reads them).</summary>
    private static bool Sets(string configuration, string key) =>
        configuration.Split(',').Any(item => item.Split('=', 2) is [var name, _] && name.Trim().Equals(key, StringComparison.OrdinalIgnoreCase));
}
