namespace QueueHttpApi.Monitoring;

/// <summary>/stats, /workers, /health and /metrics.</summary>
public static class MonitoringEndpoints
{
    /// <summary>Registers what these endpoints need.</summary>
    public static IServiceCollection AddMonitoring(this IServiceCollection services, IConfiguration configuration) => services;

    /// <summary>Maps these endpoints.</summary>
    public static IEndpointRouteBuilder MapMonitoringEndpoints(this IEndpointRouteBuilder endpoints) => endpoints;
}
