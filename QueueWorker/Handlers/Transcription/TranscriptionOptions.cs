using QueueWorker.Handlers.Transcription.Engines;

namespace QueueWorker.Handlers.Transcription;

/// <summary>Options of the transcription handler (section <c>Queue:Transcription</c>), checked at start by <see cref="TranscriptionOptionsValidator"/>.</summary>
public sealed class TranscriptionOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Queue:Transcription";
    /// <summary>The <see cref="Engine"/> value for <see cref="PocketsphinxEngine"/>.</summary>
    public const string PocketsphinxEngineName = "pocketsphinx";
    /// <summary>The <see cref="Engine"/> value for <see cref="CommandEngine"/>.</summary>
    public const string CommandEngineName = "command";

    /// <summary>Which recogniser runs: <c>pocketsphinx</c> (default) or <c>command</c> (any program, see <see cref="Command"/>).</summary>
    public string Engine { get; set; } = PocketsphinxEngineName;

    /// <summary>
    /// Nominal length of the chunks audio is cut into, in seconds (default 30; 1–3600). Progress is reported
    /// after each chunk. Seconds rather than a <see cref="TimeSpan"/> because the key is named so in the issue.
    /// </summary>
    public double ChunkSeconds { get; set; } = 30;

    /// <summary>The language when a payload gives none (default <c>en-us</c>).</summary>
    public string DefaultLanguage { get; set; } = "en-us";

    /// <summary>The sox program that converts audio that is not already 16 kHz mono 16-bit PCM WAV (default <c>sox</c> on PATH).</summary>
    public string SoxExecutable { get; set; } = "sox";

    /// <summary>Where each attempt makes its temp folder (converted audio, chunk WAVs), deleted when the attempt ends (default: the system temp directory).</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>The <c>pocketsphinx</c> engine's program and model (section <c>Queue:Transcription:Pocketsphinx</c>).</summary>
    public PocketsphinxOptions Pocketsphinx { get; set; } = new();

    /// <summary>The <c>command</c> engine's program and arguments (section <c>Queue:Transcription:Command</c>).</summary>
    public CommandEngineOptions Command { get; set; } = new();
}
