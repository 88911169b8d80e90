using QueueService.Stores;

namespace QueueHttpApi.Monitoring;

/// <summary>/stats, /workers, /health and /metrics.</summary>
public static class MonitoringEndpoints
{
    /// <summary>Registers what these endpoints need.</summary>
    public static IServiceCollection AddMonitoring(this IServiceCollection services, IConfiguration configuration) => services;

    /// <summary>Maps these endpoints.</summary>
    public static IEndpointRouteBuilder MapMonitoringEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health", async (IQueueStore store, CancellationToken ct) =>
        {
            try
            {
                await store.GetStatsAsync(ct);
                return Results.Ok(new { status = "Healthy", store = store.Kind });
            }
            catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
            {
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Store unavailable");
            }
        }).WithName("GetHealth");
        endpoints.MapGet("/stats", (IQueueStore store, CancellationToken ct) => store.GetStatsAsync(ct)).WithName("GetStats");
        return endpoints;
    }
}
