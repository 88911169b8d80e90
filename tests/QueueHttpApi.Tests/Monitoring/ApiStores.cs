using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using QueueHttpApi.Tests.Support;
using QueueService.Tests.Fixtures;

namespace QueueHttpApi.Tests.Monitoring;

/// <summary>The API on either store, for tests that run the same facts on both; and one on a Redis nobody listens on.</summary>
internal static class ApiStores
{
    /// <summary>The store names theories run over.</summary>
    public const string Memory = "memory";
    public const string Redis = "redis";

    /// <summary>
    /// The embedded (memory) API, or the Redis one under a fresh namespace. No backup on shutdown unless
    /// <paramref name="settings"/> asks for one: the test host is stopped twice on dispose, and a second
    /// shutdown backup can still be writing while the factory deletes its temp folder.
    /// </summary>
    public static ApiFactory Create(string store, RedisServerFixture redis, int embeddedWorkers = 0,
        IReadOnlyDictionary<string, string?>? settings = null, string environment = "Production") => store switch
    {
        Memory => ApiFactory.Embedded(embeddedWorkers, Quiet(settings), environment),
        Redis => ApiFactory.OnRedis(redis.ConnectionString, RedisServerFixture.UniqueNamespace(), embeddedWorkers, Quiet(settings), environment),
        _ => throw new ArgumentOutOfRangeException(nameof(store), store, "memory or redis"),
    };

    /// <summary>
    /// The Redis mode pointed at a loopback port nothing listens on, with short client time-outs, and the failover
    /// to memory off: these facts are about the plain Redis store being unreachable (tests/QueueHttpApi.Tests/Failover
    /// covers the failover).
    /// </summary>
    public static ApiFactory Unreachable(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = Quiet(settings);
        all.TryAdd("Queue:Failover:Enabled", "false");
        return ApiFactory.OnRedis($"127.0.0.1:{ClosedPort()},connectTimeout=300,asyncTimeout=500,syncTimeout=500,connectRetry=0",
            RedisServerFixture.UniqueNamespace(), settings: all);
    }

    private static Dictionary<string, string?> Quiet(IReadOnlyDictionary<string, string?>? settings)
    {
        var all = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["Queue:Snapshots:BackupOnShutdown"] = "false" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        return all;
    }

    /// <summary>A loopback port that was free a moment ago (bound, then released).</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The response body as JSON.</summary>
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 7807 answer with <paramref name="status"/> and returns its body.</summary>
    public static async Task<JsonElement> ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, body);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", body);
        var json = JsonDocument.Parse(body).RootElement.Clone();
        json.GetProperty("status").GetInt32().Should().Be((int)status);
        return json;
    }
}
