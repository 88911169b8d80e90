using Microsoft.Extensions.Options;
using QueueWorker.Handlers.Transcription.Engines;

namespace QueueWorker.Handlers.Transcription;

/// <summary>
/// Checks <see cref="TranscriptionOptions"/> when the host starts, naming the key of each bad value. It checks
/// shape only; whether the programs and models exist is <see cref="ITranscriptionEngine.CheckReadiness"/>'s
/// question, answered with a warning, so a host without a recogniser still starts (and serves other queues).
/// </summary>
public sealed class TranscriptionOptionsValidator : IValidateOptions<TranscriptionOptions>
{
    private const string Section = TranscriptionOptions.Section;

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, TranscriptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!double.IsFinite(options.ChunkSeconds) || options.ChunkSeconds < 1 || options.ChunkSeconds > 3600)
            failures.Add($"{Section}:{nameof(options.ChunkSeconds)} must be between 1 and 3600 seconds; got {options.ChunkSeconds}.");
        if (!LanguageCode.IsWellFormed(options.DefaultLanguage))
            failures.Add($"{Section}:{nameof(options.DefaultLanguage)} '{options.DefaultLanguage}' is not a language code such as en-us.");
        Require(failures, options.SoxExecutable, $"{Section}:{nameof(options.SoxExecutable)}");

        if (string.Equals(options.Engine, TranscriptionOptions.PocketsphinxEngineName, StringComparison.OrdinalIgnoreCase))
        {
            var section = $"{Section}:{nameof(options.Pocketsphinx)}";
            var pocketsphinx = options.Pocketsphinx;
            Require(failures, pocketsphinx.Executable, $"{section}:{nameof(pocketsphinx.Executable)}");
            Require(failures, pocketsphinx.AcousticModel, $"{section}:{nameof(pocketsphinx.AcousticModel)}");
            Require(failures, pocketsphinx.LanguageModel, $"{section}:{nameof(pocketsphinx.LanguageModel)}");
            Require(failures, pocketsphinx.Dictionary, $"{section}:{nameof(pocketsphinx.Dictionary)}");
        }
        else if (string.Equals(options.Engine, TranscriptionOptions.CommandEngineName, StringComparison.OrdinalIgnoreCase))
        {
            ValidateCommand(failures, options.Command);
        }
        else
        {
            failures.Add($"{Section}:{nameof(options.Engine)} '{options.Engine}' is not a known transcription engine: use " +
                $"'{TranscriptionOptions.PocketsphinxEngineName}' or '{TranscriptionOptions.CommandEngineName}' (any other recogniser runs as a command).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateCommand(List<string> failures, CommandEngineOptions command)
    {
        var section = $"{Section}:{nameof(TranscriptionOptions.Command)}";
        Require(failures, command.Name, $"{section}:{nameof(command.Name)}");
        Require(failures, command.Executable, $"{section}:{nameof(command.Executable)}");
        if (!command.Arguments.Any(a => a.Contains(CommandEngineOptions.InputPlaceholder, StringComparison.Ordinal)))
            failures.Add($"{section}:{nameof(command.Arguments)} must contain {CommandEngineOptions.InputPlaceholder}, which becomes the path of the WAV file to transcribe.");
        foreach (var language in command.Languages.Where(l => !LanguageCode.IsWellFormed(l)))
            failures.Add($"{section}:{nameof(command.Languages)} has '{language}', which is not a language code such as en-us.");
    }

    private static void Require(List<string> failures, string? value, string key)
    {
        if (string.IsNullOrWhiteSpace(value)) failures.Add($"{key} is required.");
    }
}
