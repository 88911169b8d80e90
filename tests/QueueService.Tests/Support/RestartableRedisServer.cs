using QueueService.Hosting;
using StackExchange.Redis;

namespace QueueService.Tests.Support;

/// <summary>
/// A redis-server of a test's own, in a temp folder, that the test stops and starts again on the same port,
/// with its data or empty (Redis lost it), and two connections to it: <see cref="Connection"/> with short
/// time-outs (an outage is noticed in half a second, as a worker or the API's store would) and
/// <see cref="Checker"/>, the test's own, with the client's default time-outs. Everything is stopped and
/// deleted on dispose.
/// </summary>
internal sealed class RestartableRedisServer : IAsyncDisposable
{
    public static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    private LocalRedisServer? _redis;

    private RestartableRedisServer(string folder, LocalRedisServer redis, ConnectionMultiplexer connection, ConnectionMultiplexer checker)
    {
        Folder = folder;
        _redis = redis;
        Port = redis.Port;
        Connection = connection;
        Checker = checker;
    }

    /// <summary>The temp folder: Redis's data under <see cref="RedisDirectory"/>; the rest is the test's.</summary>
    public string Folder { get; }

    public int Port { get; }

    /// <summary>Short time-outs, so an outage is noticed in half a second.</summary>
    public ConnectionMultiplexer Connection { get; }

    /// <summary>The client's default time-outs (checks must not fail because a shared machine is slow), admin commands allowed.</summary>
    public ConnectionMultiplexer Checker { get; }

    public string RedisDirectory => Path.Combine(Folder, "redis");

    public static async Task<RestartableRedisServer> StartAsync(string folderPrefix)
    {
        var folder = Directory.CreateTempSubdirectory(folderPrefix).FullName;
        var redis = await LocalRedisServer.StartAsync(dataDirectory: Path.Combine(folder, "redis"));
        var options = ConfigurationOptions.Parse($"{redis.ConnectionString},connectTimeout=300,asyncTimeout=500,syncTimeout=500");
        options.AbortOnConnectFail = false;
        // Reconnect every 100 ms while Redis is down, so a restart is noticed at once, not after a growing back-off.
        options.ReconnectRetryPolicy = new LinearRetry(100);
        var checkerOptions = ConfigurationOptions.Parse(redis.ConnectionString);
        checkerOptions.AbortOnConnectFail = false;
        checkerOptions.AllowAdmin = true; // SAVE before a stop that keeps the data
        checkerOptions.ReconnectRetryPolicy = new LinearRetry(100);
        ConnectionMultiplexer? connection = null;
        try
        {
            connection = await ConnectionMultiplexer.ConnectAsync(options);
            return new RestartableRedisServer(folder, redis, connection, await ConnectionMultiplexer.ConnectAsync(checkerOptions));
        }
        catch
        {
            if (connection is not null) await connection.DisposeAsync();
            await redis.DisposeAsync();
            DeleteFolder(folder);
            throw;
        }
    }

    /// <summary>Stops Redis; with <paramref name="keepData"/> it saves first and comes back with its data, else it comes back empty.</summary>
    public async Task StopAsync(bool keepData)
    {
        if (keepData) await Checker.GetDatabase().ExecuteAsync("SAVE");
        await _redis!.DisposeAsync();
        _redis = null;
        if (!keepData) File.Delete(Path.Combine(RedisDirectory, "dump.rdb"));
    }

    /// <summary>Starts Redis again on the same port and waits until both connections are back.</summary>
    public async Task StartAgainAsync()
    {
        _redis = await LocalRedisServer.StartAsync(dataDirectory: RedisDirectory, port: Port);
        await Eventually.TrueAsync(async _ =>
        {
            try
            {
                await Connection.GetDatabase().PingAsync();
                await Checker.GetDatabase().PingAsync();
                return true;
            }
            catch (RedisException)
            {
                return false;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }, Within, "the clients reconnect to the restarted Redis");
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null) await _redis.DisposeAsync();
        await Connection.DisposeAsync();
        await Checker.DisposeAsync();
        DeleteFolder(Folder);
    }

    private static void DeleteFolder(string folder)
    {
        try { Directory.Delete(folder, recursive: true); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* best effort: a temp folder */ }
    }
}
