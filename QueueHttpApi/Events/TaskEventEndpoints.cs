namespace QueueHttpApi.Events;

/// <summary>The WebSocket feeds of task events (/ws/events, /ws/tasks/{id}).</summary>
public static class TaskEventEndpoints
{
    /// <summary>Registers what these endpoints need.</summary>
    public static IServiceCollection AddTaskEvents(this IServiceCollection services, IConfiguration configuration) => services;

    /// <summary>Maps these endpoints.</summary>
    public static IEndpointRouteBuilder MapTaskEventEndpoints(this IEndpointRouteBuilder endpoints) => endpoints;
}
