using System.ComponentModel;
using QueueService.Workers;
using QueueWorker.Handlers.Transcription.Engines;

namespace QueueWorker.Handlers.Transcription.Audio;

/// <summary>
/// Turns a task's audio file into 16 kHz mono 16-bit PCM: a WAV already in that format is used in place
/// (its header is parsed here, extra chunks and all); anything else is converted by sox into the attempt's
/// folder. Every failure here is a <see cref="PermanentTaskException"/>: the same input cannot convert later.
/// </summary>
public sealed class AudioPreparer
{
    /// <summary>What installs sox on Debian or Ubuntu.</summary>
    public const string InstallHint = "apt-get install sox";

    private const string SoxKey = $"{TranscriptionOptions.Section}:{nameof(TranscriptionOptions.SoxExecutable)}";

    private readonly string _soxExecutable;

    /// <summary>Creates the preparer with the sox program to use (a path, or a name on PATH).</summary>
    public AudioPreparer(string soxExecutable)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(soxExecutable);
        _soxExecutable = soxExecutable;
    }

    /// <summary>Whether sox is there (needed only for audio that is not already 16 kHz mono 16-bit PCM WAV).</summary>
    public EngineReadiness CheckSox() =>
        ExternalProcess.Resolve(_soxExecutable) is null
            ? EngineReadiness.Unusable($"sox ('{_soxExecutable}', {SoxKey}) was not found: audio other than 16 kHz mono 16-bit " +
                $"PCM WAV cannot be converted. Install it: {InstallHint}.")
            : EngineReadiness.Usable;

    /// <summary>Prepares <paramref name="audioPath"/>, converting into <paramref name="workDirectory"/> when needed. Never changes the input.</summary>
    /// <exception cref="PermanentTaskException">Unreadable input, sox missing or failing, or no samples at all.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired (sox was killed).</exception>
    public async Task<PreparedAudio> PrepareAsync(string audioPath, string workDirectory, CancellationToken cancellationToken)
    {
        audioPath = Path.GetFullPath(audioPath); // so sox can never read it as an option
        var header = ReadHeader(audioPath, audioPath);
        if (header is { IsRecognizerReady: true }) return NotEmpty(new PreparedAudio(audioPath, header, IsConverted: false), audioPath);

        var sox = ExternalProcess.Resolve(_soxExecutable) ?? throw new PermanentTaskException(
            $"'{audioPath}' is not 16 kHz mono 16-bit PCM WAV and needs converting, but sox ('{_soxExecutable}', {SoxKey}) " +
            $"was not found. Install it: {InstallHint}.");
        var converted = Path.Combine(workDirectory, "converted.wav");
        ProcessOutcome outcome;
        try
        {
            outcome = await ExternalProcess.RunAsync(sox,
                [audioPath, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", converted], cancellationToken).ConfigureAwait(false);
        }
        catch (Win32Exception ex)
        {
            throw new PermanentTaskException($"Cannot start sox ('{sox}'): {ex.Message}. Reinstall it: {InstallHint}.", ex);
        }
        if (outcome.ExitCode != 0)
        {
            var said = string.IsNullOrWhiteSpace(outcome.StandardErrorTail) ? "it gave no reason" : outcome.StandardErrorTail;
            throw new PermanentTaskException($"'{audioPath}' is not audio sox can read (sox exited with code {outcome.ExitCode}): {said}");
        }
        var convertedHeader = ReadHeader(converted, audioPath);
        if (convertedHeader is not { IsRecognizerReady: true })
            throw new PermanentTaskException($"sox converted '{audioPath}' but did not write 16 kHz mono 16-bit PCM WAV.");
        return NotEmpty(new PreparedAudio(converted, convertedHeader, IsConverted: true), audioPath);
    }

    private static WavHeader? ReadHeader(string path, string audioPath)
    {
        try
        {
            return WavHeader.TryRead(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PermanentTaskException($"Cannot read the audio file '{audioPath}': {ex.Message}", ex);
        }
    }

    private static PreparedAudio NotEmpty(PreparedAudio audio, string audioPath) =>
        audio.SampleCount > 0 ? audio : throw new PermanentTaskException($"'{audioPath}' holds no audio (zero samples).");
}
