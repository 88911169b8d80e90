using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.OpenApi;
using QueueHttpApi.Hosting;
using QueueService.Stores;
using QueueService.Tasks;
using QueueService.Workers;

namespace QueueHttpApi.Tasks;

/// <summary>
/// Submitting, reading, listing, cancelling and retrying tasks (<c>/tasks</c>). Every refusal is an
/// RFC 7807 problem: a bad field 400 naming it (in <c>errors</c>), an unknown task 404, a status that
/// does not allow the request 409, an oversize body 413, a wrong content type 415, the store down 503.
/// </summary>
public static class TaskEndpoints
{
    /// <summary>The name of the <c>GET /tasks/{id}</c> route, which a submission's <c>Location</c> points at.</summary>
    public const string GetTaskRoute = "GetTask";
    /// <summary>The page size of <c>GET /tasks</c> when none is asked for.</summary>
    public const int DefaultPageSize = 50;
    /// <summary>The largest page <c>GET /tasks</c> returns.</summary>
    public const int MaxPageSize = 500;

    /// <summary>Registers what these endpoints need.</summary>
    public static IServiceCollection AddTaskEndpoints(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<TaskSubmissions>();
        return services;
    }

    /// <summary>The <c>Location</c> of a task: <c>/tasks/{id}</c>.</summary>
    public static string LocationOf(string id) => $"/tasks/{Uri.EscapeDataString(id)}";

    /// <summary>Maps these endpoints under <c>/tasks</c>.</summary>
    /// <returns>The group, so the host may add policy to all of them.</returns>
    public static RouteGroupBuilder MapTaskEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var tasks = endpoints.MapGroup("/tasks").WithTags("Tasks");

        tasks.MapPost("/transcription", SubmitTranscriptionAsync)
            .WithName("SubmitTranscription")
            .WithSummary("Submit audio to transcribe")
            .WithDescription("multipart/form-data with an 'audio' WAV file (at most Queue:Api:MaxUploadBytes, default 100 MiB), "
                + "or application/json naming an 'audioPath' inside Queue:Api:InputRoot; optional priority, maxRetries, language, then=risk-detection. "
                + "Answers 202 with the task's queue position and a Location.")
            .DisableAntiforgery()
            .AddOpenApiOperationTransformer(RequestBodyOf(("multipart/form-data", typeof(TranscriptionUploadForm)), ("application/json", typeof(TranscriptionPathRequest))))
            .Produces<SubmittedTaskView>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage);

        tasks.MapPost("/risk-detection", SubmitRiskDetectionAsync)
            .WithName("SubmitRiskDetection")
            .WithSummary("Submit a text, or a completed transcription, to score for risk")
            .WithDescription("application/json with exactly one of 'text' or 'transcriptionTaskId'; optional priority, maxRetries, metadata. "
                + "Answers 202 with the task's queue position and a Location.")
            .AddOpenApiOperationTransformer(RequestBodyOf(("application/json", typeof(RiskDetectionRequest))))
            .Produces<SubmittedTaskView>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        tasks.MapGet("/{id}", GetTaskAsync)
            .WithName(GetTaskRoute)
            .WithSummary("Read one task: status, position, progress, result, errors")
            .Produces<TaskView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        tasks.MapGet("/", ListTasksAsync)
            .WithName("ListTasks")
            .WithSummary("List tasks, filtered by status and type, paged")
            .Produces<TaskListView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        tasks.MapDelete("/{id}", CancelTaskAsync)
            .WithName("CancelTask")
            .WithSummary("Cancel a task (a processing one is asked to stop: cancelRequested)")
            .Produces<TaskView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        tasks.MapPost("/{id}/retry", RetryTaskAsync)
            .WithName("RetryTask")
            .WithSummary("Queue a failed or cancelled task again")
            .Produces<TaskView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return tasks;
    }

    private static Task<IResult> SubmitTranscriptionAsync(HttpRequest request, [FromServices] TaskSubmissions submissions, CancellationToken cancellationToken) =>
        AnswerAsync(() => submissions.SubmitTranscriptionAsync(request, cancellationToken));

    private static Task<IResult> SubmitRiskDetectionAsync(HttpRequest request, [FromServices] TaskSubmissions submissions, CancellationToken cancellationToken) =>
        AnswerAsync(() => submissions.SubmitRiskDetectionAsync(request, cancellationToken));

    // An id that no task could have (TaskLimits.IsValidTaskId) is answered like an unknown one: 404.
    private static Task<IResult> GetTaskAsync(string id, [FromServices] IQueueStore store, CancellationToken cancellationToken) =>
        AnswerAsync(async () =>
        {
            if (!TaskLimits.IsValidTaskId(id)) return NotFound(id);
            var task = await store.GetAsync(id, cancellationToken);
            return task is null ? NotFound(id) : TypedResults.Ok(TaskView.From(task));
        });

    private static Task<IResult> ListTasksAsync(
        [FromQuery, Description("queued, scheduled, processing, completed, failed or cancelled; all when absent.")] string? status,
        [FromQuery, Description("transcription or risk-detection (or another queue the store knows); all when absent.")] string? type,
        [FromQuery, Description("Page size, 1-500; default 50.")] string? limit,
        [FromQuery, Description("Tasks to skip, 0 or more; default 0.")] string? offset,
        [FromServices] IQueueStore store, [FromServices] IEnumerable<ITaskHandler> handlers, CancellationToken cancellationToken) =>
        AnswerAsync(async () =>
        {
            try
            {
                var query = await TaskListQuery.ReadAsync(status, type, limit, offset, store, handlers, cancellationToken);
                var page = await store.ListAsync(query, cancellationToken);
                return TypedResults.Ok(new TaskListView([.. page.Items.Select(TaskView.From)], page.Total, query.Offset, query.Limit));
            }
            catch (TaskProblemException ex)
            {
                return TaskProblems.From(ex);
            }
        });

    private static Task<IResult> CancelTaskAsync(string id, [FromServices] IQueueStore store, CancellationToken cancellationToken) =>
        AnswerAsync(async () =>
        {
            if (!TaskLimits.IsValidTaskId(id)) return NotFound(id);
            await store.CancelAsync(id, cancellationToken);
            // Read back for the whole task; a purge in between (finished tasks only, by age) makes it gone.
            var task = await store.GetAsync(id, cancellationToken);
            return task is null ? NotFound(id) : TypedResults.Ok(TaskView.From(task));
        });

    private static Task<IResult> RetryTaskAsync(string id, [FromServices] IQueueStore store, CancellationToken cancellationToken) =>
        AnswerAsync(async () =>
        {
            if (!TaskLimits.IsValidTaskId(id)) return NotFound(id);
            return TypedResults.Ok(TaskView.From(await store.RetryAsync(id, cancellationToken)));
        });

    private static IResult NotFound(string id) => ApiProblems.TaskNotFound(TaskFieldRules.Shorten(id));

    // Store refusals are expected answers here (404, 409, 503), not errors for the exception handler to log.
    private static async Task<IResult> AnswerAsync(Func<Task<IResult>> handle)
    {
        try
        {
            return await handle();
        }
        catch (QueueStoreException ex) when (ApiProblems.FromStore(ex) is not null)
        {
            return ApiProblems.FromStore(ex)!;
        }
    }

    // The submission endpoints read their bodies themselves (strictly, streaming); this tells the OpenAPI
    // document what they take. Accepts() would also do, but its 415 would not say what to send.
    private static Func<OpenApiOperation, Microsoft.AspNetCore.OpenApi.OpenApiOperationTransformerContext, CancellationToken, Task> RequestBodyOf(
        params (string ContentType, Type Body)[] bodies) =>
        async (operation, context, cancellationToken) =>
        {
            var content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal);
            foreach (var (contentType, body) in bodies)
                content[contentType] = new OpenApiMediaType { Schema = await context.GetOrCreateSchemaAsync(body, null, cancellationToken) };
            operation.RequestBody = new OpenApiRequestBody { Required = true, Content = content };
        };
}
