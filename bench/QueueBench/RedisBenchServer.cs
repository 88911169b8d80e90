using System.Globalization;
using QueueService.Stores.Redis;
using StackExchange.Redis;

namespace QueueBench;

/// <summary>What the snapshot bench asks of the Redis server besides the store: cleanup and its own accounting.</summary>
internal static class RedisBenchServer
{
    /// <summary>Removes a bench namespace's keys, so a million-task run does not keep the server's memory for the next size.</summary>
    public static async Task DropNamespaceAsync(IConnectionMultiplexer connection, RedisStoreOptions options)
    {
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var db = connection.GetDatabase();
        // SCAN, never KEYS: the bench may be pointed at a server others use (--redis). The hash tag's
        // braces are literal in a Redis glob.
        var batch = new List<RedisKey>(1000);
        await foreach (var key in server.KeysAsync(pattern: $"{options.KeyPrefix}:{{{options.Namespace}}}:*", pageSize: 1000))
        {
            batch.Add(key);
            if (batch.Count < 1000) continue;
            await db.KeyDeleteAsync([.. batch]);
            batch.Clear();
        }
        if (batch.Count > 0) await db.KeyDeleteAsync([.. batch]);
    }

    /// <summary>
    /// The time the server has spent running scripts since it started, in milliseconds: <c>usec</c> of
    /// <c>eval</c> and <c>evalsha</c> in <c>INFO commandstats</c> (every store operation is a script; the
    /// commands a script calls are counted again under their own names, so they are left out). Redis runs
    /// one script at a time, so the growth of this figure over a window is how long other clients could only wait.
    /// </summary>
    public static async Task<double> ScriptTimeMsAsync(IConnectionMultiplexer connection)
    {
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var usec = 0L;
        foreach (var section in await server.InfoAsync("commandstats"))
            foreach (var (name, value) in section)
                if (name is "cmdstat_eval" or "cmdstat_evalsha")
                    foreach (var field in value.Split(','))
                        if (field.StartsWith("usec=", StringComparison.Ordinal))
                            usec += long.Parse(field.AsSpan(5), CultureInfo.InvariantCulture);
        return usec / 1000.0;
    }
}
