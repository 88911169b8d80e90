namespace QueueHttpApi.Admin;

/// <summary>The admin endpoints (/admin/*), behind X-Api-Key.</summary>
public static class AdminEndpoints
{
    /// <summary>Registers what these endpoints need.</summary>
    public static IServiceCollection AddAdminEndpoints(this IServiceCollection services, IConfiguration configuration) => services;

    /// <summary>Maps these endpoints.</summary>
    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder endpoints) => endpoints;
}
