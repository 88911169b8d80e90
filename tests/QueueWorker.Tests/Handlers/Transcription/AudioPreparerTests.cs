using QueueService.Workers;
using QueueWorker.Handlers.Transcription.Audio;

namespace QueueWorker.Tests.Handlers.Transcription;

public sealed class AudioPreparerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rq-prepare-test-").FullName;
    private readonly AudioPreparer _preparer = new("sox");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WorkDirectory() => Directory.CreateDirectory(Path.Combine(_directory, $"work-{Guid.NewGuid():N}")).FullName;

    [Fact]
    public async Task PrepareAsync_UsesTheFileAsIs_WhenItIsAlready16kMonoPcm()
    {
        var path = Path.Combine(_directory, "ready.wav");
        TestAudio.WriteWav(path, TestAudio.Tone(1.5), extraChunks: true);
        var work = WorkDirectory();

        var audio = await _preparer.PrepareAsync(path, work, CancellationToken.None);

        audio.Path.Should().Be(path);
        audio.IsConverted.Should().BeFalse();
        audio.SampleCount.Should().Be(24000);
        Directory.EnumerateFileSystemEntries(work).Should().BeEmpty("nothing needed converting");
    }

    [Fact]
    public async Task PrepareAsync_ConvertsWithSox_WhenTheFileIs44kStereo()
    {
        var source = Path.Combine(_directory, "cd.wav");
        await TestAudio.SoxAsync("-n", "-r", "44100", "-c", "2", "-b", "16", source, "synth", "2.5", "sine", "440");
        WavHeader.TryRead(source)!.Should().BeEquivalentTo(new { SampleRate = 44100, Channels = 2 });
        var work = WorkDirectory();

        var audio = await _preparer.PrepareAsync(source, work, CancellationToken.None);

        audio.IsConverted.Should().BeTrue();
        audio.Path.Should().StartWith(work);
        audio.Header.IsRecognizerReady.Should().BeTrue();
        audio.DurationSeconds.Should().BeApproximately(2.5, 0.01);
        File.Exists(source).Should().BeTrue("the input is never touched");
    }

    [Fact]
    public async Task PrepareAsync_ConvertsOtherFormats_WhenSoxKnowsThem()
    {
        var source = Path.Combine(_directory, "speech.flac");
        await TestAudio.SoxAsync(TestAudio.Librivox[1].Path, source);

        var audio = await _preparer.PrepareAsync(source, WorkDirectory(), CancellationToken.None);

        audio.IsConverted.Should().BeTrue();
        audio.SampleCount.Should().Be(47840, "FLAC is lossless: the same 2.99 s as the WAV it came from");
    }

    [Fact]
    public async Task PrepareAsync_FailsPermanentlyWithSoxsMessage_WhenTheFileIsGarbage()
    {
        var path = Path.Combine(_directory, "garbage.wav");
        File.WriteAllBytes(path, Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251)).ToArray());

        var act = () => _preparer.PrepareAsync(path, WorkDirectory(), CancellationToken.None);

        (await act.Should().ThrowAsync<PermanentTaskException>())
            .WithMessage($"'{path}' is not audio sox can read (sox exited with code 2): *RIFF header not found*");
    }

    [Theory]
    [InlineData("empty.wav", true)]
    [InlineData("empty-44k.wav", false)]
    public async Task PrepareAsync_FailsPermanently_WhenTheAudioHasNoSamples(string name, bool recognizerReady)
    {
        var path = Path.Combine(_directory, name);
        TestAudio.WriteWav(path, [], rate: recognizerReady ? 16000 : 44100);

        var act = () => _preparer.PrepareAsync(path, WorkDirectory(), CancellationToken.None);

        (await act.Should().ThrowAsync<PermanentTaskException>()).WithMessage($"'{path}' holds no audio (zero samples).");
    }

    [Fact]
    public async Task PrepareAsync_FailsPermanentlySayingHowToInstallSox_WhenSoxIsMissingAndNeeded()
    {
        var path = Path.Combine(_directory, "cd.wav");
        TestAudio.WriteWav(path, TestAudio.Tone(0.5), rate: 44100);
        var preparer = new AudioPreparer("/nonexistent/bin/sox");

        var act = () => preparer.PrepareAsync(path, WorkDirectory(), CancellationToken.None);

        (await act.Should().ThrowAsync<PermanentTaskException>()).WithMessage("*sox*was not found*apt-get install sox*");
        preparer.CheckSox().Problem.Should().Contain("apt-get install sox").And.Contain("Queue:Transcription:SoxExecutable");
    }
}
