using QueueService.Stores.Redis;
using StackExchange.Redis;

namespace QueueBench;

/// <summary>Removes a bench namespace's keys from Redis, so a million-task run does not keep the server's memory for the next size.</summary>
internal static class RedisNamespaces
{
    public static async Task DropAsync(IConnectionMultiplexer connection, RedisStoreOptions options)
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
}
