using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;
using QueueHttpApi.Hosting;
using QueueHttpApi.Monitoring.Health;
using QueueService.Stores;

namespace QueueHttpApi.Monitoring;

/// <summary>/stats, /workers, /health and /metrics (docs/api-monitoring.md).</summary>
public static class MonitoringEndpoints
{
    /// <summary>The tag of the monitoring endpoints in the OpenAPI document.</summary>
    public const string Tag = "Monitoring";

    /// <summary>
    /// Registers the health checks (<c>store</c>, <c>backup</c>, <c>workers</c>, and <c>transcription</c> when this
    /// process runs embedded workers), the metrics registry (<see cref="ApiMetrics"/>) and the start time they measure from.
    /// </summary>
    public static IServiceCollection AddMonitoring(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton<ApiStartTime>();
        services.AddSingleton<ApiMetrics>();
        var checks = services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>(StoreHealthCheck.Name, HealthStatus.Unhealthy)
            .AddCheck<BackupHealthCheck>(BackupHealthCheck.Name, HealthStatus.Degraded)
            .AddCheck<WorkerLivenessHealthCheck>(WorkerLivenessHealthCheck.Name, HealthStatus.Degraded);
        if (ApiMode.From(configuration).EmbeddedWorkers > 0)
            checks.AddCheck<TranscriptionHealthCheck>(TranscriptionHealthCheck.Name, HealthStatus.Degraded);
        return services;
    }

    /// <summary>Maps <c>GET /stats</c>, <c>GET /workers</c>, <c>GET /health</c> and <c>GET /metrics</c>.</summary>
    public static IEndpointRouteBuilder MapMonitoringEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        // Resolved now, before the host starts: uptime counts from here, and the metrics bridge listens
        // before the first embedded worker records anything.
        endpoints.ServiceProvider.GetRequiredService<ApiStartTime>();
        var metrics = endpoints.ServiceProvider.GetRequiredService<ApiMetrics>();

        endpoints.MapGet("/stats", GetStatsAsync).WithName("GetStats").WithTags(Tag)
            .WithSummary("Counts per queue and in total, average processing time, oldest queued age, live workers, store mode.");
        endpoints.MapGet("/workers", ListWorkersAsync).WithName("ListWorkers").WithTags(Tag)
            .WithSummary("The live workers: id, host, pid, queues, concurrency, current tasks, last seen.");
        endpoints.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthResponseWriter.WriteAsync })
            .WithName("GetHealth").WithTags(Tag);
        endpoints.MapMetrics("/metrics", metrics.Registry).WithName("GetMetrics").WithTags(Tag);
        return endpoints;
    }

    /// <summary><c>GET /stats</c>; 503 when the store cannot be reached (the exception handler's problem).</summary>
    public static async Task<Ok<StatsView>> GetStatsAsync(IQueueStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await QueueStatsReader.ReadAsync(store, cancellationToken));

    /// <summary><c>GET /workers</c>; 503 when the store cannot be reached.</summary>
    public static async Task<Ok<WorkerListView>> ListWorkersAsync(IQueueStore store, CancellationToken cancellationToken)
    {
        var workers = await store.ListWorkersAsync(cancellationToken);
        return TypedResults.Ok(new WorkerListView(workers.Select(WorkerView.From).ToArray(), workers.Count));
    }
}
