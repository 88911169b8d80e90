using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using QueueHttpApi.Admin;
using QueueHttpApi.Dashboard;
using QueueHttpApi.Events;
using QueueHttpApi.Monitoring;
using QueueHttpApi.Tasks;
using QueueService.Hosting;
using QueueService.Snapshots;
using QueueService.Stores;
using QueueWorker;
using Serilog;

namespace QueueHttpApi.Hosting;

/// <summary>
/// Builds the API host: the queue (Redis when <c>REDIS_URL</c> is set, else in memory), its backups
/// (restored at start when the store lost its state), its maintenance loops, embedded workers (see
/// <see cref="ApiMode"/>), and the REST surface, events, health, metrics and OpenAPI document.
/// </summary>
public static class ApiHost
{
    /// <summary>Exit code for a configuration error found before the host starts.</summary>
    public const int ConfigurationError = 2;

    /// <summary>Creates the application with every service and endpoint.</summary>
    /// <exception cref="InvalidOperationException">The configuration is invalid (the message names the key).</exception>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        // The shipped appsettings.json sits beside the binary: read it whatever the working directory,
        // below everything else (a working directory's own appsettings, the environment, the command line).
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
        {
            Path = Path.Combine(AppContext.BaseDirectory, "appsettings.json"), Optional = true, ReloadOnChange = false,
        });
        foreach (var source in builder.Configuration.Sources.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationSource>())
            source.ResolveFileProvider();
        builder.Configuration.AddQueueEnvironment();
        if (string.IsNullOrWhiteSpace(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
            builder.WebHost.UseUrls(ApiOptions.DefaultUrl);

        var mode = ApiMode.From(builder.Configuration);
        builder.Services.AddSingleton(mode);
        // preserveStaticLogger: this host logs through its own logger, never the process-wide Log.Logger,
        // which the last host built would own (several hosts in one test process wrote to one file).
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .WriteTo.Console(formatProvider: CultureInfo.InvariantCulture)
            .WriteTo.File(Path.Combine(builder.Configuration["Queue:LogDirectory"] ?? "logs", "api-.log"),
                rollingInterval: RollingInterval.Day, formatProvider: CultureInfo.InvariantCulture),
            preserveStaticLogger: true);

        builder.Services.AddOptions<ApiOptions>()
            .Bind(builder.Configuration.GetSection(ApiOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddRedisQueue(builder.Configuration);
        // Redis mode: submissions go to memory (journalled) while Redis is down, and drain back (docs/failover.md).
        builder.Services.AddQueueFailover(builder.Configuration);
        // Before anything that changes tasks: it restores first, and stops last (the shutdown backup sees the final state).
        builder.Services.AddQueueSnapshots(builder.Configuration);
        builder.Services.AddQueueMaintenance(builder.Configuration);
        builder.Services.AddTaskSpool(builder.Configuration);
        EmbeddedWorkers.Add(builder.Services, builder.Configuration, mode);

        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        });
        builder.Services.AddOpenApi();
        builder.Services.AddTaskEndpoints(builder.Configuration);
        builder.Services.AddMonitoring(builder.Configuration);
        builder.Services.AddAdminEndpoints(builder.Configuration);
        builder.Services.AddTaskEvents(builder.Configuration);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseSerilogRequestLogging();
        app.UseWebSockets();
        app.UseDashboard(); // static files at /dashboard/, before routing; the API's routes are untouched
        app.MapOpenApi("/openapi/v1.json"); // one fixed document: any other name is a plain 404 problem, not MapOpenApi's text
        app.MapTaskEndpoints();
        app.MapMonitoringEndpoints();
        app.MapAdminEndpoints();
        app.MapTaskEventEndpoints();

        app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
            "RedisQueue API started in {Mode} mode: store {Store}, {EmbeddedWorkers} embedded worker(s), backups in {BackupDirectory}, spool {Spool}, listening on {Urls}",
            mode.Name, app.Services.GetRequiredService<IQueueStore>().Kind, mode.EmbeddedWorkers,
            app.Services.GetRequiredService<SnapshotDirectory>().DirectoryPath,
            app.Services.GetRequiredService<QueueService.Spool.TaskSpool>().Root,
            string.Join(", ", app.Urls)));
        return app;
    }

    /// <summary>Runs the application until it is stopped; 0 when it stopped cleanly, <see cref="ConfigurationError"/> for invalid options.</summary>
    public static async Task<int> RunAsync(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync($"QueueHttpApi: invalid configuration: {ex.Message}");
            return ConfigurationError;
        }
    }
}
