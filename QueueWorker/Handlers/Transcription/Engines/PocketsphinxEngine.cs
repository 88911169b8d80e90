using System.ComponentModel;
using QueueService.Workers;

namespace QueueWorker.Handlers.Transcription.Engines;

/// <summary>
/// CMU Sphinx through Debian's <c>pocketsphinx_continuous</c> (0.8) and its US English model: runs
/// <c>pocketsphinx_continuous -infile chunk.wav -hmm … -lm … -dict …</c> and reads one line per utterance
/// on stdout. Its log is left on stderr rather than sent to <c>-logfn /dev/null</c>: that option swallows
/// the FATAL line too, and a failure should say why (only the last lines are kept).
/// </summary>
public sealed class PocketsphinxEngine : ITranscriptionEngine
{
    /// <summary>The engine's name.</summary>
    public const string EngineName = TranscriptionOptions.PocketsphinxEngineName;
    /// <summary>What installs the program and its model on Debian or Ubuntu.</summary>
    public const string InstallHint = "apt-get install pocketsphinx pocketsphinx-en-us";

    private const string Section = $"{TranscriptionOptions.Section}:{nameof(TranscriptionOptions.Pocketsphinx)}";
    private static readonly string[] SupportedLanguages = ["en-us", "en"];

    private readonly PocketsphinxOptions _options;

    /// <summary>Creates the engine over its (validated) options.</summary>
    public PocketsphinxEngine(PocketsphinxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <inheritdoc/>
    public string Name => EngineName;

    /// <inheritdoc/>
    /// <remarks>The shipped model is US English; <c>en</c> is accepted as the same.</remarks>
    public IReadOnlyList<string> Languages => SupportedLanguages;

    /// <inheritdoc/>
    public EngineReadiness CheckReadiness()
    {
        if (ExternalProcess.Resolve(_options.Executable) is null)
            return EngineReadiness.Unusable($"pocketsphinx: the program '{_options.Executable}' was not found on PATH " +
                $"({Section}:{nameof(_options.Executable)}). Install it: {InstallHint}.");
        if (!Directory.Exists(_options.AcousticModel))
            return MissingModel(_options.AcousticModel, "acoustic model directory", nameof(_options.AcousticModel));
        if (!File.Exists(_options.LanguageModel))
            return MissingModel(_options.LanguageModel, "language model", nameof(_options.LanguageModel));
        if (!File.Exists(_options.Dictionary))
            return MissingModel(_options.Dictionary, "pronunciation dictionary", nameof(_options.Dictionary));
        return EngineReadiness.Usable;
    }

    private static EngineReadiness MissingModel(string path, string what, string key) =>
        EngineReadiness.Unusable($"pocketsphinx: the {what} '{path}' ({Section}:{key}) does not exist. " +
            $"Install the US English model ({InstallHint}) or point {Section}:{key} at one.");

    /// <inheritdoc/>
    public async Task<string> TranscribeAsync(string wavPath, string language, CancellationToken cancellationToken)
    {
        var readiness = CheckReadiness();
        if (!readiness.IsUsable) throw new PermanentTaskException(readiness.Problem!);
        var executable = ExternalProcess.Resolve(_options.Executable)!;
        string[] arguments =
        [
            "-infile", wavPath,
            "-hmm", _options.AcousticModel,
            "-lm", _options.LanguageModel,
            "-dict", _options.Dictionary,
        ];
        ProcessOutcome outcome;
        try
        {
            outcome = await ExternalProcess.RunAsync(executable, arguments, cancellationToken).ConfigureAwait(false);
        }
        catch (Win32Exception ex)
        {
            throw new PermanentTaskException($"pocketsphinx: cannot start '{executable}': {ex.Message}. Reinstall it: {InstallHint}.", ex);
        }
        if (outcome.ExitCode != 0) throw new TranscriptionEngineException(Name, outcome.ExitCode, outcome.StandardErrorTail);
        // One line per utterance (it splits the input at pauses).
        var lines = outcome.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(' ', lines);
    }
}
