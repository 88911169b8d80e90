namespace QueueWorker.Handlers.Transcription.Engines;

/// <summary>
/// A speech recogniser. The transcription handler hands it one chunk at a time, always a 16 kHz mono
/// 16-bit PCM WAV with a canonical 44-byte header, so an engine never deals with formats or length.
/// Which engine runs is configuration (<c>Queue:Transcription:Engine</c>), not code.
/// </summary>
public interface ITranscriptionEngine
{
    /// <summary>The engine's name, as reported in a transcription's result (<c>pocketsphinx</c>, <c>command</c>, …).</summary>
    string Name { get; }

    /// <summary>The language codes it accepts, compared ignoring case; empty means whatever the recogniser takes.</summary>
    IReadOnlyList<string> Languages { get; }

    /// <summary>
    /// Whether it can run here: its program and model files exist. Cheap (file checks only), so the worker
    /// calls it at start-up to warn once, each task calls it before doing any work, and health checks may poll it.
    /// </summary>
    /// <returns>Usable, or the problem and exactly what to install or configure.</returns>
    EngineReadiness CheckReadiness();

    /// <summary>Transcribes one chunk.</summary>
    /// <param name="wavPath">A 16 kHz mono 16-bit PCM WAV file with a 44-byte header.</param>
    /// <param name="language">One of <see cref="Languages"/> (or any, when that is empty).</param>
    /// <param name="cancellationToken">Kills the recogniser's process tree when it fires.</param>
    /// <returns>The transcript, trimmed; empty when nothing was recognised.</returns>
    /// <exception cref="QueueService.Workers.PermanentTaskException">The engine is not installed or configured (the message says what to install).</exception>
    /// <exception cref="TranscriptionEngineException">The recogniser failed (non-zero exit): worth retrying.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    Task<string> TranscribeAsync(string wavPath, string language, CancellationToken cancellationToken);
}
