namespace QueueWorker.Handlers.Transcription.Engines;

/// <summary>
/// The <c>command</c> engine (section <c>Queue:Transcription:Command</c>): any recogniser that takes a WAV
/// file and prints its transcript on stdout, such as whisper.cpp's <c>whisper-cli</c>.
/// </summary>
public sealed class CommandEngineOptions
{
    /// <summary>The placeholder replaced by the chunk's WAV path.</summary>
    public const string InputPlaceholder = "{input}";
    /// <summary>The placeholder replaced by the task's language.</summary>
    public const string LanguagePlaceholder = "{language}";

    /// <summary>The name reported as the result's <c>engine</c> (default <c>command</c>).</summary>
    public string Name { get; set; } = TranscriptionOptions.CommandEngineName;

    /// <summary>The program: a path, or a name looked up on PATH (required when the engine is <c>command</c>).</summary>
    public string Executable { get; set; } = "";

    /// <summary>Its arguments, one item each (no shell); must contain <c>{input}</c> and may contain <c>{language}</c>.</summary>
    public List<string> Arguments { get; set; } = [];

    /// <summary>The languages it accepts (default empty: any well-formed code is passed through).</summary>
    public List<string> Languages { get; set; } = [];
}
