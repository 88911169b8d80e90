namespace QueueWorker.Handlers.Transcription;

/// <summary>A transcription task's payload.</summary>
/// <param name="AudioPath">Absolute path of the audio file, readable by the worker (the API spools uploads to <c>{SPOOL_DIR}/{taskId}/…</c>). Never modified or deleted by the handler.</param>
/// <param name="Language">The spoken language (default <c>Queue:Transcription:DefaultLanguage</c>, <c>en-us</c>); the engine must support it.</param>
/// <param name="Then">Null, or <c>risk-detection</c> to enqueue a risk-detection task on the transcript when done.</param>
public sealed record TranscriptionPayload(string? AudioPath = null, string? Language = null, string? Then = null);
