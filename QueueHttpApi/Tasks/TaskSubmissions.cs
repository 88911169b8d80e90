using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Options;
using QueueHttpApi.Hosting;
using QueueService.Spool;
using QueueService.Stores;
using QueueService.Tasks;
using QueueWorker.Handlers.RiskDetection;
using QueueWorker.Handlers.Transcription;

namespace QueueHttpApi.Tasks;

/// <summary>
/// Turns the two submission requests into tasks: reads and checks the request (every refusal a problem
/// naming its field), writes the payload the handler reads, enqueues, and answers 202 with where the
/// task stands. Payloads are exactly what the handlers take (<see cref="TranscriptionPayload"/>,
/// <see cref="RiskDetectionPayload"/>); a risk task's <c>metadata</c> rides along beside them, which the
/// handler ignores (it reads payloads with web defaults: unknown fields are skipped).
/// </summary>
public sealed partial class TaskSubmissions
{
    private static readonly string[] RiskFields = ["text", "transcriptionTaskId", "priority", "maxRetries", "metadata"];
    private static readonly string[] TranscriptionFields = ["audioPath", "priority", "maxRetries", "language", "then"];

    // Relaxed escaping: the payload is stored and read back as JSON, never put in HTML, and escaping
    // every non-ASCII character six-fold would eat the 1 MiB payload limit of a non-English transcript.
    private static readonly JsonWriterOptions PayloadWriting = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly IQueueStore _store;
    private readonly TaskSpool _spool;
    private readonly IOptions<ApiOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<TaskSubmissions> _logger;

    /// <summary>Creates the submitter.</summary>
    public TaskSubmissions(IQueueStore store, TaskSpool spool, IOptions<ApiOptions> options, TimeProvider time, ILogger<TaskSubmissions> logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(spool);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _store = store;
        _spool = spool;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// <c>POST /tasks/risk-detection</c>: JSON with exactly one of <c>text</c> or <c>transcriptionTaskId</c>,
    /// optional <c>priority</c>, <c>maxRetries</c>, <c>metadata</c>.
    /// </summary>
    /// <returns>202 with the task; 400/409/413/415 naming the field; store refusals as <see cref="ApiProblems.FromStore"/> maps them.</returns>
    public async Task<IResult> SubmitRiskDetectionAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            using var body = await RequestBody.ReadJsonObjectAsync(request, _options.Value.MaxJsonBytes, cancellationToken);
            var fields = JsonFields.Of(body.RootElement, RiskFields);
            var text = fields.String("text");
            var sourceId = fields.String("transcriptionTaskId");
            var priority = TaskFieldRules.Priority(fields.Int("priority"));
            var maxRetries = TaskFieldRules.MaxRetries(fields.Int("maxRetries"));
            var metadata = TaskFieldRules.Metadata(fields.StringMap("metadata"));
            if ((text is null) == (sourceId is null))
                throw TaskProblemException.Invalid(["text", "transcriptionTaskId"],
                    $"Give exactly one of 'text' or 'transcriptionTaskId' ({(text is null ? "neither" : "both")} given).");
            if (text is not null && string.IsNullOrWhiteSpace(text))
                throw TaskProblemException.Invalid("text", "'text' is empty: give the text to score.");
            if (sourceId is not null) await CheckTranscriptionAsync(sourceId, cancellationToken);

            var payload = WritePayload(writer =>
            {
                if (text is not null) writer.WriteString("text", text);
                else writer.WriteString("transcriptionTaskId", sourceId);
                if (metadata is not null)
                {
                    writer.WriteStartObject("metadata");
                    foreach (var (key, value) in metadata) writer.WriteString(key, value);
                    writer.WriteEndObject();
                }
            });
            if (payload.Bytes > TaskLimits.MaxPayloadBytes)
                throw TaskProblemException.TooLarge(text is not null ? "text" : "metadata",
                    $"The task's payload would be {payload.Bytes} bytes; the limit is {TaskLimits.MaxPayloadBytes} (about 1 MiB of UTF-8 text).");
            var task = new NewTask(RiskDetectionHandler.QueueName, payload.Json)
            {
                Id = TaskLimits.NewTaskId(_time), Priority = priority, MaxRetries = maxRetries,
            };
            return Accepted(await _store.EnqueueAsync(task, cancellationToken), task);
        }
        catch (TaskProblemException ex)
        {
            return TaskProblems.From(ex);
        }
    }

    // Refused now rather than failed later: the handler scores only a completed transcription's text.
    private async Task CheckTranscriptionAsync(string sourceId, CancellationToken cancellationToken)
    {
        const string field = "transcriptionTaskId";
        var source = TaskLimits.IsValidTaskId(sourceId) ? await _store.GetAsync(sourceId, cancellationToken) : null;
        if (source is null)
            throw TaskProblemException.Invalid(field, $"No task has the id '{TaskFieldRules.Shorten(sourceId)}' (or it was purged).");
        if (source.Type != TranscriptionHandler.QueueName)
            throw TaskProblemException.Invalid(field, $"Task {sourceId} is a '{source.Type}' task, not a transcription.");
        if (source.Status != QueueTaskStatus.Completed)
            throw TaskProblemException.Conflict(field,
                $"Transcription task {sourceId} is {source.Status.ToWire()}, not completed: submit risk detection once it has completed, or submit the transcription with then=risk-detection.");
    }

    private Microsoft.AspNetCore.Http.HttpResults.Accepted<SubmittedTaskView> Accepted(EnqueueResult result, NewTask task)
    {
        _logger.LogInformation("Accepted {Type} task {TaskId} at priority {Priority}, queue position {QueuePosition}",
            task.Type, result.Id, task.Priority, result.QueuePosition);
        return TypedResults.Accepted(TaskEndpoints.LocationOf(result.Id), SubmittedTaskView.From(result, task.Type, task.Priority));
    }

    private static (string Json, int Bytes) WritePayload(Action<Utf8JsonWriter> writeFields)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, PayloadWriting))
        {
            writer.WriteStartObject();
            writeFields(writer);
            writer.WriteEndObject();
        }
        return (System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan), buffer.WrittenCount);
    }
}
