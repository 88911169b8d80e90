namespace QueueWorker.Handlers.Transcription.Engines;

/// <summary>The <c>pocketsphinx</c> engine's program and model files (section <c>Queue:Transcription:Pocketsphinx</c>); defaults are where Debian's packages put them.</summary>
public sealed class PocketsphinxOptions
{
    private const string ModelRoot = "/usr/share/pocketsphinx/model/en-us";

    /// <summary>The program (default <c>pocketsphinx_continuous</c> on PATH, from the Debian package <c>pocketsphinx</c>).</summary>
    public string Executable { get; set; } = "pocketsphinx_continuous";

    /// <summary>The acoustic model directory, passed as <c>-hmm</c> (default <c>/usr/share/pocketsphinx/model/en-us/en-us</c>).</summary>
    public string AcousticModel { get; set; } = $"{ModelRoot}/en-us";

    /// <summary>The language model, passed as <c>-lm</c> (default <c>/usr/share/pocketsphinx/model/en-us/en-us.lm.bin</c>).</summary>
    public string LanguageModel { get; set; } = $"{ModelRoot}/en-us.lm.bin";

    /// <summary>The pronunciation dictionary, passed as <c>-dict</c> (default <c>/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict</c>).</summary>
    public string Dictionary { get; set; } = $"{ModelRoot}/cmudict-en-us.dict";
}
