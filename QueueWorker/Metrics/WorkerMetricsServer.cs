using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace QueueWorker.Metrics;

/// <summary>
/// The worker process's own <c>/metrics</c> in Prometheus text format, on <c>Queue:Worker:MetricsPort</c>
/// (<c>--metrics-port</c>; off unless set) of <c>Queue:Worker:MetricsHost</c> (default <c>+</c>: every
/// interface, so a Prometheus in another container can scrape it). It serves this process's task counters
/// and histograms (<see cref="PrometheusMeterBridge"/>) and the .NET process figures; the queue depths are
/// the API's to publish (they are the store's, not one worker's).
/// </summary>
/// <remarks>
/// A port that cannot be bound is logged as an error and the worker goes on working: metrics are worth less
/// than the tasks. prometheus-net's <see cref="MetricServer"/> (an <see cref="HttpListener"/>) keeps this
/// console host free of ASP.NET Core.
/// </remarks>
public sealed partial class WorkerMetricsServer : IHostedService, IDisposable
{
    /// <summary>The configuration key of the port.</summary>
    public const string PortKey = "Queue:Worker:MetricsPort";
    /// <summary>The configuration key of the host name the listener binds (<c>+</c>, <c>localhost</c>, <c>127.0.0.1</c>, …).</summary>
    public const string HostKey = "Queue:Worker:MetricsHost";

    private readonly int _port;
    private readonly string _host;
    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly PrometheusMeterBridge _bridge;
    private readonly ILogger<WorkerMetricsServer> _logger;
    private MetricServer? _server;

    /// <summary>Creates the server for <paramref name="port"/>; nothing listens until <see cref="StartAsync"/>.</summary>
    public WorkerMetricsServer(int port, string host, IMeterFactory meterFactory, ILogger<WorkerMetricsServer> logger)
    {
        _port = port;
        _host = host;
        _logger = logger;
        DotNetStats.Register(_registry);
        _bridge = new PrometheusMeterBridge(_registry, meterFactory);
    }

    /// <summary>Reads the port from configuration: null when unset, empty or 0 (off).</summary>
    /// <exception cref="InvalidOperationException">The value is not a port number from 0 to 65535 (the message names the key).</exception>
    public static int? ReadPort(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var text = configuration[PortKey];
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort)
            throw new InvalidOperationException($"{PortKey} (--metrics-port) must be a port number from 1 to 65535, or 0 for none; got '{text}'.");
        return port == 0 ? null : port;
    }

    /// <summary>The host name to bind: <see cref="HostKey"/>, default <c>+</c> (every interface).</summary>
    public static string ReadHost(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return string.IsNullOrWhiteSpace(configuration[HostKey]) ? "+" : configuration[HostKey]!.Trim();
    }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var server = new MetricServer(_host, _port, "metrics/", _registry);
        try
        {
            server.Start();
            _server = server;
            LogListening(_host, _port);
        }
        catch (Exception ex) when (ex is HttpListenerException or InvalidOperationException or ObjectDisposedException)
        {
            server.Dispose();
            LogCannotListen(ex, _host, _port);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { } server) await server.StopAsync();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _server?.Dispose();
        _bridge.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Metrics at http://{Host}:{Port}/metrics")]
    private partial void LogListening(string host, int port);

    [LoggerMessage(Level = LogLevel.Error, Message = "Cannot serve metrics on http://{Host}:{Port}/metrics; the worker goes on without them")]
    private partial void LogCannotListen(Exception exception, string host, int port);
}
