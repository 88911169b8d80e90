using System.Text.Json;

namespace QueueService.Workers;

/// <summary>
/// A handler with a typed payload and result (JSON with web defaults: camelCase). A payload that
/// does not deserialize is a <see cref="PermanentTaskException"/>: retrying cannot fix it.
/// </summary>
public abstract class TaskHandler<TPayload, TResult> : ITaskHandler
{
    /// <summary>The JSON options used for payloads and results.</summary>
    protected static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web);

    /// <inheritdoc/>
    public abstract string Queue { get; }

    /// <summary>Runs one task with its typed payload.</summary>
    protected abstract Task<TResult> HandleAsync(TPayload payload, TaskContext context);

    /// <inheritdoc/>
    public async Task<string?> HandleAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        TPayload payload;
        try
        {
            payload = JsonSerializer.Deserialize<TPayload>(context.PayloadJson, JsonOptions)
                ?? throw new PermanentTaskException($"Task {context.TaskId} has a null payload.");
        }
        catch (JsonException ex)
        {
            throw new PermanentTaskException($"Task {context.TaskId} has a payload that is not a valid {typeof(TPayload).Name}: {ex.Message}", ex);
        }
        var result = await HandleAsync(payload, context).ConfigureAwait(false);
        return result is null ? null : JsonSerializer.Serialize(result, JsonOptions);
    }
}
