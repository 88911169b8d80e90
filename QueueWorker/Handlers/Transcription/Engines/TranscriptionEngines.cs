namespace QueueWorker.Handlers.Transcription.Engines;

/// <summary>Picks the engine that <see cref="TranscriptionOptions.Engine"/> names.</summary>
public static class TranscriptionEngines
{
    /// <summary>The configured engine.</summary>
    /// <exception cref="ArgumentException">An engine name <see cref="TranscriptionOptionsValidator"/> would have refused at start.</exception>
    public static ITranscriptionEngine Create(TranscriptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.Equals(options.Engine, TranscriptionOptions.PocketsphinxEngineName, StringComparison.OrdinalIgnoreCase))
            return new PocketsphinxEngine(options.Pocketsphinx);
        if (string.Equals(options.Engine, TranscriptionOptions.CommandEngineName, StringComparison.OrdinalIgnoreCase))
            return new CommandEngine(options.Command);
        throw new ArgumentException($"{TranscriptionOptions.Section}:{nameof(options.Engine)} '{options.Engine}' is not a known transcription engine.", nameof(options));
    }
}
