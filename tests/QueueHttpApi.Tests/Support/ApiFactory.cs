using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using QueueService.Stores;
using QueueService.Tests.Snapshots;

namespace QueueHttpApi.Tests.Support;

/// <summary>
/// The real API in process (<see cref="WebApplicationFactory{TEntryPoint}"/>), on a real store: the
/// embedded in-memory mode, or a real Redis under a namespace of its own. Each factory has its own
/// temp folder for backups, spool, logs and the audio input root, deleted on dispose.
/// </summary>
/// <remarks>
/// Settings are passed with <c>UseSetting</c>, which reaches the host's configuration before
/// <c>ApiHost.Build</c> reads the mode. The environment is Production unless a test says otherwise,
/// so admin endpoints behave as they would deployed.
/// </remarks>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    /// <summary>The admin key every factory configures unless told otherwise.</summary>
    public const string AdminKey = "test-admin-key";

    private readonly Dictionary<string, string?> _settings;
    private readonly TempFolder _folder = new();
    private readonly string _environment;

    private ApiFactory(Dictionary<string, string?> settings, string environment)
    {
        _environment = environment;
        _settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Queue:Snapshots:Directory"] = Path.Combine(_folder.Path, "backups"),
            ["Queue:SpoolDirectory"] = Path.Combine(_folder.Path, "spool"),
            ["Queue:LogDirectory"] = Path.Combine(_folder.Path, "logs"),
            ["Queue:Api:InputRoot"] = InputRoot,
            ["Queue:Api:AdminApiKey"] = AdminKey,
            // Periodic backups would only add noise to a test; the ones that need them set an interval.
            ["Queue:Snapshots:BackupInterval"] = "01:00:00",
        };
        foreach (var (key, value) in settings) _settings[key] = value;
        Directory.CreateDirectory(InputRoot);
    }

    /// <summary>The folder that JSON <c>audioPath</c> submissions must lie in.</summary>
    public string InputRoot => Path.Combine(_folder.Path, "input");

    /// <summary>The spool folder (uploads land in <c>{spool}/{taskId}/</c>).</summary>
    public string SpoolDirectory => _settings["Queue:SpoolDirectory"]!;

    /// <summary>The backup folder.</summary>
    public string BackupDirectory => _settings["Queue:Snapshots:Directory"]!;

    /// <summary>
    /// Starts the API on Kestrel, a real loopback socket (for a real HttpClient, WebSockets, the server's own limits), on a
    /// free port unless a <c>urls</c> setting says otherwise, and returns its address, ending in <c>/</c>. Not
    /// <c>UseKestrel(0)</c>: that clears the server's addresses after the host is built, racing Kestrel's own bind
    /// (dotnet/aspnetcore#67714), which failed a start in a few runs.
    /// </summary>
    public Uri StartOnKestrel()
    {
        _settings.TryAdd("urls", "http://127.0.0.1:0");
        UseKestrel();
        StartServer();
        KestrelAddress = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");
        return KestrelAddress;
    }

    /// <summary>Where Kestrel listens once <see cref="StartOnKestrel"/> has started it; null before.</summary>
    public Uri? KestrelAddress { get; private set; }

    /// <summary>The store the API runs on (resolve after the first request or <see cref="WebApplicationFactory{T}.Services"/>).</summary>
    public IQueueStore Store => Services.GetRequiredService<IQueueStore>();

    /// <summary>
    /// The embedded mode: in-memory store, <paramref name="embeddedWorkers"/> workers in process (0 by
    /// default, so tasks stay where a test put them), plus any <paramref name="settings"/>.
    /// </summary>
    public static ApiFactory Embedded(int embeddedWorkers = 0, IReadOnlyDictionary<string, string?>? settings = null, string environment = "Production")
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Queue:EmbeddedWorkers"] = embeddedWorkers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return new ApiFactory(all, environment);
    }

    /// <summary>The Redis mode, on <paramref name="redisConnection"/> under namespace <paramref name="ns"/>; no embedded workers unless asked.</summary>
    public static ApiFactory OnRedis(string redisConnection, string ns, int embeddedWorkers = 0,
        IReadOnlyDictionary<string, string?>? settings = null, string environment = "Production")
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Queue:Redis:Configuration"] = redisConnection,
            ["Queue:Redis:Namespace"] = ns,
            ["Queue:EmbeddedWorkers"] = embeddedWorkers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return new ApiFactory(all, environment);
    }

    /// <summary>A client that sends the admin key.</summary>
    public HttpClient CreateAdminClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        return client;
    }

    /// <inheritdoc/>
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) DeleteFolder();
    }

    // The in-process host is stopped twice at once on dispose: by the factory, and by the entry point's
    // WaitForShutdownAsync, which the factory does not wait for. BackupService makes both stops wait for
    // its one shutdown backup; deletion is still retried for a moment in case a late log write or the
    // entry point's disposal holds a file.
    private void DeleteFolder()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                _folder.Dispose();
                return;
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
        }
    }
}
