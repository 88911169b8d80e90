using System.Text.Json.Serialization;

namespace QueueWorker.Handlers.Transcription;

/// <summary>A transcription task's result.</summary>
/// <param name="Text">The transcript: the chunks' texts joined by spaces (empty when nothing was recognised).</param>
/// <param name="DurationSeconds">Length of the audio, in seconds (to the millisecond).</param>
/// <param name="Engine">The engine that recognised it (<c>pocketsphinx</c>, or the command engine's configured name).</param>
/// <param name="FollowUpTaskId">The risk-detection task enqueued on the transcript; absent when the payload asked for none.</param>
public sealed record TranscriptionResult(
    string Text,
    double DurationSeconds,
    string Engine,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? FollowUpTaskId = null);
