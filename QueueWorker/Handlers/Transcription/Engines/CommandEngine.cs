using System.ComponentModel;
using QueueService.Workers;

namespace QueueWorker.Handlers.Transcription.Engines;

/// <summary>
/// Any recogniser run as a program: <see cref="CommandEngineOptions.Executable"/> with
/// <see cref="CommandEngineOptions.Arguments"/>, where <c>{input}</c> becomes the chunk's WAV path and
/// <c>{language}</c> the task's language; the transcript is its trimmed stdout. For whisper.cpp:
/// <c>Executable = whisper-cli</c>, <c>Arguments = ["-m", "/models/ggml-base.en.bin", "-l", "{language}", "-nt", "-np", "-f", "{input}"]</c>.
/// </summary>
public sealed class CommandEngine : ITranscriptionEngine
{
    private const string Section = $"{TranscriptionOptions.Section}:{nameof(TranscriptionOptions.Command)}";

    private readonly CommandEngineOptions _options;

    /// <summary>Creates the engine over its (validated) options.</summary>
    public CommandEngine(CommandEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <inheritdoc/>
    public string Name => _options.Name;

    /// <inheritdoc/>
    public IReadOnlyList<string> Languages => _options.Languages;

    /// <inheritdoc/>
    public EngineReadiness CheckReadiness() =>
        ExternalProcess.Resolve(_options.Executable) is null
            ? EngineReadiness.Unusable($"{Name}: the recogniser program '{_options.Executable}' was not found " +
                $"({Section}:{nameof(_options.Executable)}). Install it, or set that key to its full path.")
            : EngineReadiness.Usable;

    /// <inheritdoc/>
    public async Task<string> TranscribeAsync(string wavPath, string language, CancellationToken cancellationToken)
    {
        var readiness = CheckReadiness();
        if (!readiness.IsUsable) throw new PermanentTaskException(readiness.Problem!);
        var executable = ExternalProcess.Resolve(_options.Executable)!;
        var arguments = _options.Arguments.Select(a => a
            .Replace(CommandEngineOptions.InputPlaceholder, wavPath, StringComparison.Ordinal)
            .Replace(CommandEngineOptions.LanguagePlaceholder, language, StringComparison.Ordinal));
        ProcessOutcome outcome;
        try
        {
            outcome = await ExternalProcess.RunAsync(executable, arguments, cancellationToken).ConfigureAwait(false);
        }
        catch (Win32Exception ex)
        {
            throw new PermanentTaskException($"{Name}: cannot start '{executable}' ({Section}:{nameof(_options.Executable)}): {ex.Message}.", ex);
        }
        if (outcome.ExitCode != 0) throw new TranscriptionEngineException(Name, outcome.ExitCode, outcome.StandardErrorTail);
        return outcome.StandardOutput.Trim();
    }
}
