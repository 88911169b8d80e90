using System.Text.Json;
using QueueService.Stores;
using QueueService.Tasks;
using QueueService.Workers;

namespace QueueWorker.Handlers.RiskDetection;

/// <summary>
/// Serves the <c>risk-detection</c> queue: scores a text, given directly or as the transcript of a
/// completed transcription task, against the risk lexicon. Pure and idempotent, so at-least-once
/// delivery needs nothing special: a repeated attempt computes the same result.
/// </summary>
public sealed class RiskDetectionHandler : TaskHandler<RiskDetectionPayload, RiskResult>
{
    /// <summary>The queue this handler serves.</summary>
    public const string QueueName = "risk-detection";

    private const string TranscriptionQueue = "transcription";

    private readonly RiskScorer _scorer;
    private readonly IQueueStore _store;

    /// <summary>Creates the handler.</summary>
    public RiskDetectionHandler(RiskScorer scorer, IQueueStore store)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(store);
        _scorer = scorer;
        _store = store;
    }

    /// <inheritdoc/>
    public override string Queue => QueueName;

    /// <inheritdoc/>
    protected override async Task<RiskResult> HandleAsync(RiskDetectionPayload payload, TaskContext context)
    {
        var text = await LoadTextAsync(payload, context).ConfigureAwait(false);
        await context.ReportProgressAsync(10, "Text loaded").ConfigureAwait(false);
        context.CancellationToken.ThrowIfCancellationRequested();
        var result = _scorer.Score(text);
        await context.ReportProgressAsync(100, $"Scored: {result.Level}").ConfigureAwait(false);
        return result;
    }

    private async Task<string> LoadTextAsync(RiskDetectionPayload payload, TaskContext context)
    {
        var hasText = payload.Text is not null;
        var hasTaskId = payload.TranscriptionTaskId is not null;
        if (hasText == hasTaskId)
        {
            throw new PermanentTaskException(
                $"Task {context.TaskId}: the payload must have exactly one of \"text\" or \"transcriptionTaskId\" ({(hasText ? "both" : "neither")} given).");
        }
        if (hasText)
        {
            return payload.Text!;
        }

        var sourceId = payload.TranscriptionTaskId!;
        if (string.IsNullOrWhiteSpace(sourceId))
        {
            throw new PermanentTaskException($"Task {context.TaskId}: \"transcriptionTaskId\" is empty.");
        }
        // A store outage surfaces here as QueueStoreException(Unavailable): not permanent, so the task retries.
        var source = await _store.GetAsync(sourceId, context.CancellationToken).ConfigureAwait(false)
            ?? throw new PermanentTaskException($"Transcription task {sourceId} does not exist.");
        if (!string.Equals(source.Type, TranscriptionQueue, StringComparison.Ordinal))
        {
            throw new PermanentTaskException($"Task {sourceId} is a '{source.Type}' task, not a '{TranscriptionQueue}' task.");
        }
        // Permanent even while the transcription is still running: chaining belongs to the submitter,
        // who enqueues risk detection once the transcription completed; retrying here would only guess.
        if (source.Status != QueueTaskStatus.Completed)
        {
            throw new PermanentTaskException(
                $"Transcription task {sourceId} is {source.Status.ToString().ToLowerInvariant()}, not completed.");
        }
        return ReadTranscript(sourceId, source.ResultJson);
    }

    private static string ReadTranscript(string sourceId, string? resultJson)
    {
        if (string.IsNullOrWhiteSpace(resultJson))
        {
            throw new PermanentTaskException($"Transcription task {sourceId} has no result.");
        }
        try
        {
            using var document = JsonDocument.Parse(resultJson);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("text", out var text)
                && text.ValueKind == JsonValueKind.String)
            {
                return text.GetString()!;
            }
        }
        catch (JsonException ex)
        {
            throw new PermanentTaskException($"Transcription task {sourceId} has a result that is not valid JSON: {ex.Message}", ex);
        }
        throw new PermanentTaskException($"Transcription task {sourceId} has a result without a string \"text\" field.");
    }
}
