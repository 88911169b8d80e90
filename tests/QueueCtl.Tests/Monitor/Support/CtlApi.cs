using System.Net;
using System.Net.Sockets;
using QueueHttpApi.Tests.Support;
using QueueService.Stores;

namespace QueueCtl.Tests.Monitor.Support;

/// <summary>
/// The real API on Kestrel (a real loopback socket, as queuectl's HttpClient needs), on the in-memory store, with
/// queuectl pointed at it by <c>--url</c>. No backup on shutdown and a slow lease reaper, so only the tests move tasks.
/// </summary>
internal sealed class CtlApi : IDisposable
{
    private CtlApi(ApiFactory api)
    {
        Api = api;
        Url = api.StartOnKestrel().ToString().TrimEnd('/');
    }

    public ApiFactory Api { get; }

    /// <summary>The API's address, as given to <c>--url</c>.</summary>
    public string Url { get; }

    public IQueueStore Store => Api.Store;

    /// <summary>The embedded in-memory API, with <paramref name="settings"/> on top of the quiet defaults.</summary>
    public static CtlApi Start(IReadOnlyDictionary<string, string?>? settings = null, int embeddedWorkers = 0) =>
        new(ApiFactory.Embedded(embeddedWorkers, Quiet(settings)));

    /// <summary>
    /// The Redis mode on a loopback port nothing listens on, without the failover to memory (which would answer from
    /// memory, Degraded): the store is unreachable, /health is Unhealthy.
    /// </summary>
    public static CtlApi WithUnreachableStore() =>
        new(ApiFactory.OnRedis($"127.0.0.1:{ClosedPort()},connectTimeout=300,asyncTimeout=500,syncTimeout=500,connectRetry=0",
            QueueService.Tests.Fixtures.RedisServerFixture.UniqueNamespace(), settings: Quiet(new Dictionary<string, string?> { ["Queue:Failover:Enabled"] = "false" })));

    /// <summary>Runs queuectl with <c>--url</c> pointing here, then <paramref name="args"/>.</summary>
    public Task<CtlResult> RunAsync(params string[] args) => Ctl.RunAsync([.. args, "--url", Url]);

    /// <summary>Runs queuectl with <c>--url</c> and the admin key.</summary>
    public Task<CtlResult> RunAsAdminAsync(params string[] args) => RunAsync([.. args, "--api-key", ApiFactory.AdminKey]);

    /// <summary>A loopback port that was free a moment ago (bound, then released): nothing answers there.</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => Api.Dispose();

    private static Dictionary<string, string?> Quiet(IReadOnlyDictionary<string, string?>? settings)
    {
        var all = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            // The test host is stopped twice on dispose; a second shutdown backup could race the temp folder's deletion.
            ["Queue:Snapshots:BackupOnShutdown"] = "false",
            // Tests that leave a lease to expire reclaim it with `queuectl cleanup`, not the reaper.
            ["Queue:Maintenance:ReapInterval"] = "01:00:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        return all;
    }
}
