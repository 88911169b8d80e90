namespace QueueHttpApi.Tasks;

/// <summary>Submitting, reading, listing, cancelling and retrying tasks (/tasks).</summary>
public static class TaskEndpoints
{
    /// <summary>Registers what these endpoints need.</summary>
    public static IServiceCollection AddTaskEndpoints(this IServiceCollection services, IConfiguration configuration) => services;

    /// <summary>Maps these endpoints.</summary>
    public static IEndpointRouteBuilder MapTaskEndpoints(this IEndpointRouteBuilder endpoints) => endpoints;
}
