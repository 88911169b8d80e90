using System.Net;
using System.Net.Sockets;
using QueueClient;
using QueueClient.Internal;
using QueueHttpApi.Tests.Support;
using QueueWorker.Handlers.Transcription.Audio;

namespace QueueClient.Tests.Support;

/// <summary>The real API on Kestrel over loopback, and clients of it.</summary>
internal static class ClientTestSupport
{
    /// <summary>No variables at all: tests never read the process's QUEUE_SERVICE_URL or QUEUE_ADMIN_API_KEY by accident.</summary>
    public static readonly EnvironmentReader NoEnvironment = _ => null;

    /// <summary>
    /// The embedded API listening on a free loopback port, started. No shutdown backup unless asked: the test host
    /// is stopped twice on dispose, and a second backup could still be writing while the factory deletes its folder.
    /// </summary>
    public static ApiFactory StartEmbedded(int embeddedWorkers = 0, IReadOnlyDictionary<string, string?>? settings = null) =>
        Start(ApiFactory.Embedded(embeddedWorkers, Quiet(settings)));

    /// <summary>Starts <paramref name="api"/> on Kestrel (<see cref="ApiFactory.StartOnKestrel"/>), on the free port its <c>urls</c> setting asks for (<see cref="Quiet"/> sets it).</summary>
    public static ApiFactory Start(ApiFactory api)
    {
        api.StartOnKestrel();
        return api;
    }

    /// <summary>The address the started API listens on.</summary>
    public static Uri AddressOf(ApiFactory api) => api.KestrelAddress ?? throw new InvalidOperationException("start the API with Start first");

    /// <summary><see cref="QueueApiClient.Create"/>'s client of <paramref name="api"/> (no resilience), with the admin key unless told otherwise.</summary>
    public static QueueApiClient ClientOf(ApiFactory api, string? apiKey = ApiFactory.AdminKey, TimeSpan? pollInterval = null) =>
        ClientOf(AddressOf(api), apiKey, pollInterval);

    /// <summary>A client of <paramref name="address"/> that reads no environment.</summary>
    public static QueueApiClient ClientOf(Uri address, string? apiKey = ApiFactory.AdminKey, TimeSpan? pollInterval = null,
        TimeSpan? webSocketConnectTimeout = null) =>
        QueueApiClient.CreateOwning(new QueueClientOptions
        {
            BaseAddress = address,
            ApiKey = apiKey,
            PollInterval = pollInterval ?? TimeSpan.FromMilliseconds(50),
            WebSocketConnectTimeout = webSocketConnectTimeout ?? TimeSpan.FromSeconds(5),
        }, NoEnvironment, TimeProvider.System);

    /// <summary>A valid WAV file: the canonical 44-byte header (16 kHz mono 16-bit PCM) and <paramref name="silenceBytes"/> of silence.</summary>
    public static byte[] Wav(int silenceBytes = 3200)
    {
        using var stream = new MemoryStream();
        WavHeader.WriteCanonical(stream, silenceBytes);
        stream.Write(new byte[silenceBytes]);
        return stream.ToArray();
    }

    /// <summary>A loopback port that was free a moment ago (bound, then released).</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary><paramref name="settings"/> with the shutdown backup off, listening on a free loopback port.</summary>
    public static Dictionary<string, string?> Quiet(IReadOnlyDictionary<string, string?>? settings)
    {
        var all = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Queue:Snapshots:BackupOnShutdown"] = "false",
            ["urls"] = "http://127.0.0.1:0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        return all;
    }
}
