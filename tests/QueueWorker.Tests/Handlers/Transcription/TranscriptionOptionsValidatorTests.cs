using QueueWorker.Handlers.Transcription;

namespace QueueWorker.Tests.Handlers.Transcription;

public sealed class TranscriptionOptionsValidatorTests
{
    private static IEnumerable<string> Failures(TranscriptionOptions options) =>
        new TranscriptionOptionsValidator().Validate(null, options).Failures ?? [];

    [Fact]
    public void Validate_AcceptsTheDefaults()
    {
        Failures(new TranscriptionOptions()).Should().BeEmpty();
    }

    [Fact]
    public void Validate_NamesTheKeyAndTheKnownEngines_WhenTheEngineIsUnknown()
    {
        Failures(new TranscriptionOptions { Engine = "whisper" }).Should().ContainSingle()
            .Which.Should().Be("Queue:Transcription:Engine 'whisper' is not a known transcription engine: use 'pocketsphinx' or 'command' " +
                "(any other recogniser runs as a command).");
    }

    [Fact]
    public void Validate_RequiresAProgramAndAnInputPlaceholder_ForTheCommandEngine()
    {
        var failures = Failures(new TranscriptionOptions { Engine = "command" });

        failures.Should().BeEquivalentTo(
            "Queue:Transcription:Command:Executable is required.",
            "Queue:Transcription:Command:Arguments must contain {input}, which becomes the path of the WAV file to transcribe.");
    }

    [Fact]
    public void Validate_AcceptsACommandEngine_WhenItHasAProgramAndInput()
    {
        var options = new TranscriptionOptions { Engine = "Command" };
        options.Command.Executable = "whisper-cli";
        options.Command.Arguments.AddRange(["-l", "{language}", "-f", "{input}"]);
        options.Command.Languages.Add("en");

        Failures(options).Should().BeEmpty();
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(3601)]
    [InlineData(double.NaN)]
    public void Validate_RefusesChunkSecondsOutOfRange(double seconds)
    {
        Failures(new TranscriptionOptions { ChunkSeconds = seconds }).Should().ContainSingle()
            .Which.Should().StartWith("Queue:Transcription:ChunkSeconds must be between 1 and 3600 seconds");
    }

    [Theory]
    [InlineData("")]
    [InlineData("--help")]
    [InlineData("en us")]
    public void Validate_RefusesADefaultLanguageThatIsNotACode(string language)
    {
        Failures(new TranscriptionOptions { DefaultLanguage = language }).Should().ContainSingle()
            .Which.Should().StartWith("Queue:Transcription:DefaultLanguage");
    }

    [Fact]
    public void Validate_RequiresThePocketsphinxPaths_WhenBlank()
    {
        var options = new TranscriptionOptions();
        options.Pocketsphinx.AcousticModel = " ";

        Failures(options).Should().Equal("Queue:Transcription:Pocketsphinx:AcousticModel is required.");
    }
}
