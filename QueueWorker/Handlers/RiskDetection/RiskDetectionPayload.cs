namespace QueueWorker.Handlers.RiskDetection;

/// <summary>A risk-detection task's payload: exactly one of the two fields.</summary>
/// <param name="Text">The text to score (may be empty: it scores <c>none</c>).</param>
/// <param name="TranscriptionTaskId">A completed <c>transcription</c> task whose result's <c>text</c> is scored.</param>
public sealed record RiskDetectionPayload(string? Text = null, string? TranscriptionTaskId = null);
