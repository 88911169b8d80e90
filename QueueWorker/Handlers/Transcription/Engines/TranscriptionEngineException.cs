namespace QueueWorker.Handlers.Transcription.Engines;

/// <summary>
/// A recogniser ran and failed (a non-zero exit). Not a <see cref="QueueService.Workers.PermanentTaskException"/>:
/// a crash or an out-of-memory kill may not repeat, so the task is retried with backoff while retries remain.
/// </summary>
public sealed class TranscriptionEngineException : Exception
{
    /// <summary>Creates the error; the message names the engine, the exit code and the end of its stderr.</summary>
    public TranscriptionEngineException(string engine, int exitCode, string stderrTail)
        : base($"Transcription engine '{engine}' exited with code {exitCode}."
            + (string.IsNullOrWhiteSpace(stderrTail) ? " It wrote nothing to stderr." : $" Last lines of its stderr:\n{stderrTail}"))
    {
        Engine = engine;
        ExitCode = exitCode;
    }

    /// <summary>The engine's name.</summary>
    public string Engine { get; }

    /// <summary>The recogniser's exit code.</summary>
    public int ExitCode { get; }
}
