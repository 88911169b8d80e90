using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QueueService.Hosting;
using QueueService.Stores.Redis;
using QueueService.Workers;
using Serilog;

namespace QueueWorker;

/// <summary>Builds and runs the worker's Generic Host.</summary>
internal static class WorkerHost
{
    /// <summary>Exit code for a usage or configuration error.</summary>
    public const int UsageError = 2;

    public static async Task<int> RunAsync(ParseResult parsed, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddQueueEnvironment();
        builder.Configuration.AddInMemoryCollection(WorkerCommandLine.ToConfiguration(parsed));

        // A worker without Redis would run tasks nobody else can see: refuse to start.
        if (string.IsNullOrWhiteSpace(builder.Configuration[$"{RedisStoreOptions.Section}:{nameof(RedisStoreOptions.Configuration)}"]))
        {
            await Console.Error.WriteLineAsync(
                $"QueueWorker: no Redis configured. Set {QueueEnvironment.RedisUrl} (host:port or redis://host:port) " +
                $"or {RedisStoreOptions.Section}:{nameof(RedisStoreOptions.Configuration)}.");
            return UsageError;
        }

        int? metricsPort;
        try
        {
            metricsPort = Metrics.WorkerMetricsServer.ReadPort(builder.Configuration);
        }
        catch (InvalidOperationException ex)
        {
            await Console.Error.WriteLineAsync($"QueueWorker: {ex.Message}");
            return UsageError;
        }

        var workerIdKey = $"{WorkerOptions.Section}:{nameof(WorkerOptions.WorkerId)}";
        var workerId = builder.Configuration[workerIdKey] ?? WorkerOptions.DefaultWorkerId();
        builder.Configuration[workerIdKey] = workerId;
        builder.Services.AddSerilog(logger => logger
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.WithProperty("WorkerId", workerId)
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {WorkerId} {Message:lj}{NewLine}{Exception}",
                formatProvider: System.Globalization.CultureInfo.InvariantCulture)
            .WriteTo.File(Path.Combine("logs", $"worker-{workerId}-.log"), rollingInterval: RollingInterval.Day,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture));

        builder.Services.AddRedisQueue(builder.Configuration);
        builder.Services.AddQueueWorker(builder.Configuration);
        try
        {
            WorkerHandlers.Add(builder.Services, builder.Configuration);
        }
        catch (Exception ex) when (ex is Handlers.RiskDetection.RiskLexiconException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"QueueWorker: cannot load the risk lexicon ({WorkerHandlers.RiskLexiconPathKey}): {ex.Message}");
            return UsageError;
        }

        if (metricsPort is { } port)
        {
            var metricsHost = Metrics.WorkerMetricsServer.ReadHost(builder.Configuration);
            builder.Services.AddHostedService(sp => new Metrics.WorkerMetricsServer(port, metricsHost,
                sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
                sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Metrics.WorkerMetricsServer>>()));
        }

        using var host = builder.Build();
        try
        {
            await host.RunAsync(cancellationToken);
            return 0;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync($"QueueWorker: invalid configuration: {ex.Message}");
            return UsageError;
        }
    }
}
