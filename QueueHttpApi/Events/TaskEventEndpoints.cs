using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using QueueHttpApi.Hosting;
using QueueService.Stores;

namespace QueueHttpApi.Events;

/// <summary>
/// The WebSocket feeds of task events: <c>/ws/events</c> (every event) and <c>/ws/tasks/{id}</c> (one
/// task: a snapshot, its events and its position in line). Messages and guarantees: <c>docs/api-events.md</c>.
/// </summary>
public static class TaskEventEndpoints
{
    /// <summary>
    /// Registers <see cref="TaskEventOptions"/> (<c>Queue:Events</c>, validated at start), the one store
    /// subscription that feeds every socket (a hosted service), and the WebSocket keep-alive.
    /// </summary>
    public static IServiceCollection AddTaskEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TaskEventOptions>()
            .Bind(configuration.GetSection(TaskEventOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<TaskEventBroadcaster>();
        services.AddHostedService(sp => sp.GetRequiredService<TaskEventBroadcaster>());
        // UseWebSockets() reads these: pings keep idle sockets open through proxies and find dead clients.
        services.AddOptions<WebSocketOptions>().Configure<IOptions<TaskEventOptions>>((webSockets, events) =>
        {
            webSockets.KeepAliveInterval = events.Value.KeepAliveInterval;
            webSockets.KeepAliveTimeout = events.Value.KeepAliveTimeout;
        });
        return services;
    }

    /// <summary>Maps <c>/ws/events</c> and <c>/ws/tasks/{id}</c>.</summary>
    public static IEndpointRouteBuilder MapTaskEventEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/ws").WithTags("Events");
        group.MapGet("/events", WatchAllAsync)
            .WithName("WatchEvents")
            .WithSummary("WebSocket: every task event, as it happens")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/tasks/{id}", WatchTaskAsync)
            .WithName("WatchTask")
            .WithSummary("WebSocket: one task's snapshot, events and queue position; closes after it finishes")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return endpoints;
    }

    private static async Task<IResult> WatchAllAsync(HttpContext context, TaskEventBroadcaster broadcaster,
        IHostApplicationLifetime lifetime, ILoggerFactory loggers)
    {
        if (!context.WebSockets.IsWebSocketRequest) return NotAWebSocket(context);
        using var socket = broadcaster.CreateSocket();
        // Registered before the upgrade completes: the client misses nothing published after it connected.
        using (broadcaster.AddFeed(socket))
        {
            await RunAsync(context, socket, lifetime, loggers, watch: null);
        }
        return Results.Empty;
    }

    private static async Task<IResult> WatchTaskAsync(string id, HttpContext context, IQueueStore store, TaskEventBroadcaster broadcaster,
        IOptions<TaskEventOptions> options, TimeProvider time, IHostApplicationLifetime lifetime, ILoggerFactory loggers)
    {
        if (!context.WebSockets.IsWebSocketRequest) return NotAWebSocket(context);
        // Unknown ids are refused before the upgrade: a plain 404 problem, not an accepted socket closed at once.
        var first = await store.GetAsync(id, context.RequestAborted);
        if (first is null) return ApiProblems.TaskNotFound(id);

        var settings = options.Value;
        using var socket = broadcaster.CreateSocket();
        var logger = loggers.CreateLogger(typeof(TaskEventEndpoints));
        var watch = new TaskWatch(first.Id, first.Type, socket, store, broadcaster, settings, time, logger);
        // Watch first, then read the snapshot: no change can fall between the two.
        using (broadcaster.AddWatch(watch))
        {
            var snapshot = await store.GetAsync(id, context.RequestAborted) ?? first;
            await RunAsync(context, socket, lifetime, loggers, watch, snapshot);
        }
        return Results.Empty;
    }

    private static async Task RunAsync(HttpContext context, EventSocket socket, IHostApplicationLifetime lifetime, ILoggerFactory loggers,
        TaskWatch? watch, QueueService.Tasks.QueueTask? snapshot = null)
    {
        using var webSocket = await context.WebSockets.AcceptWebSocketAsync();
        if (watch is not null) watch.Start(snapshot!);
        using var stopping = lifetime.ApplicationStopping.Register(() => socket.CloseNow(WebSocketCloseStatus.EndpointUnavailable, "server shutting down"));
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var rereading = watch?.RunAsync(ended.Token) ?? Task.CompletedTask;
        await socket.RunAsync(webSocket, context.RequestAborted);
        await ended.CancelAsync();
        await rereading;
        if (socket.IsOverrun)
        {
            loggers.CreateLogger(typeof(TaskEventEndpoints)).LogWarning(
                "Closed a WebSocket on {Path}: the client fell more than {Capacity} messages behind", context.Request.Path,
                context.RequestServices.GetRequiredService<IOptions<TaskEventOptions>>().Value.SendQueueCapacity);
        }
    }

    private static IResult NotAWebSocket(HttpContext context) =>
        Results.Problem($"{context.Request.Path} is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket), or use GET /tasks/{{id}} for a one-off read.",
            statusCode: StatusCodes.Status400BadRequest, title: "A WebSocket request is required");
}
