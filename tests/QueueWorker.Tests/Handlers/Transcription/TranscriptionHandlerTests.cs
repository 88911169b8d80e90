using System.Text.Json;
using QueueService.Tests.Support;
using QueueService.Workers;
using QueueWorker.Handlers.Transcription;
using QueueWorker.Handlers.Transcription.Engines;

namespace QueueWorker.Tests.Handlers.Transcription;

/// <summary>The handler as the worker registers it, with bad input and with the engine switched by configuration.</summary>
public sealed class TranscriptionHandlerTests : IDisposable
{
    private static readonly string Sample = TestAudio.Librivox[1].Path; // 2.99 s

    private readonly TranscriptionTestHost _host = new();

    public void Dispose() => _host.Dispose();

    private static JsonElement Parse(string? json) => JsonDocument.Parse(json!).RootElement;

    private async Task<PermanentTaskException> FailsPermanently(TranscriptionTestHost host, string payloadJson)
    {
        var act = () => host.RunAsync(payloadJson);
        var error = (await act.Should().ThrowAsync<PermanentTaskException>()).Which;
        Directory.EnumerateFileSystemEntries(host.WorkRoot).Should().BeEmpty("a failed attempt deletes its work folder too");
        return error;
    }

    [Fact]
    public void Queue_IsTranscription()
    {
        _host.Handler.Queue.Should().Be("transcription");
    }

    [Theory]
    [InlineData("""{}""", "\"audioPath\" is required.")]
    [InlineData("""{"audioPath":"  "}""", "\"audioPath\" is required.")]
    [InlineData("""{"audioPath":"audio/x.wav"}""", "\"audioPath\" must be an absolute path; got 'audio/x.wav'.")]
    [InlineData("""{"audioPath":"/nonexistent/x.wav"}""", "\"audioPath\" '/nonexistent/x.wav' does not exist.")]
    [InlineData("""{"audioPath":"/tmp"}""", "\"audioPath\" '/tmp' is a directory, not an audio file.")]
    public async Task HandleAsync_FailsPermanentlyNamingTheField_WhenAudioPathIsBad(string payload, string message)
    {
        (await FailsPermanently(_host, payload)).Message.Should().Be(message);
    }

    [Theory]
    [InlineData("summarise", "\"then\" 'summarise' is not supported: use \"risk-detection\" or leave it out.")]
    [InlineData("Risk-Detection", "\"then\" 'Risk-Detection' is not supported: use \"risk-detection\" or leave it out.")]
    [InlineData("", "\"then\" '' is not supported: use \"risk-detection\" or leave it out.")]
    public async Task HandleAsync_FailsPermanently_WhenThenIsNotRiskDetection(string then, string message)
    {
        (await FailsPermanently(_host, TranscriptionTestHost.Payload(Sample, then: then))).Message.Should().Be(message);
    }

    [Theory]
    [InlineData("fr", "\"language\" 'fr' is not supported by the pocketsphinx engine (supported: en-us, en).")]
    [InlineData("--help", "\"language\" '--help' is not a language code such as en-us.")]
    public async Task HandleAsync_FailsPermanently_WhenTheLanguageIsUnsupportedOrMalformed(string language, string message)
    {
        (await FailsPermanently(_host, TranscriptionTestHost.Payload(Sample, language))).Message.Should().Be(message);
    }

    [Fact]
    public async Task HandleAsync_FailsPermanently_WhenThePayloadIsNotTheRightShape()
    {
        await FailsPermanently(_host, """{"audioPath": 42}""");
    }

    [Fact]
    public async Task HandleAsync_FailsPermanentlyWithSoxsMessage_WhenTheFileIsGarbage()
    {
        var path = Path.Combine(_host.Directory, "upload.wav");
        File.WriteAllBytes(path, Enumerable.Range(0, 3000).Select(i => (byte)(i * 31 % 256)).ToArray());

        (await FailsPermanently(_host, TranscriptionTestHost.Payload(path))).Message.Should().Contain("sox exited with code 2").And.Contain("RIFF header not found");
        File.Exists(path).Should().BeTrue("the handler never deletes its input");
    }

    [Fact]
    public async Task HandleAsync_FailsPermanently_WhenTheWavIsEmpty()
    {
        var path = Path.Combine(_host.Directory, "empty.wav");
        TestAudio.WriteWav(path, []);

        (await FailsPermanently(_host, TranscriptionTestHost.Payload(path))).Message.Should().Be($"'{path}' holds no audio (zero samples).");
    }

    [Fact]
    public async Task HandleAsync_FailsPermanentlySayingWhatToInstall_WhenTheEngineIsAbsent()
    {
        using var host = new TranscriptionTestHost(new Dictionary<string, string?> { ["Queue:Transcription:Pocketsphinx:Executable"] = "/opt/none/pocketsphinx_continuous" });

        (await FailsPermanently(host, TranscriptionTestHost.Payload(Sample))).Message
            .Should().Contain("'/opt/none/pocketsphinx_continuous' was not found").And.Contain("apt-get install pocketsphinx pocketsphinx-en-us");
    }

    [Fact]
    public async Task HandleAsync_UsesTheCommandEngine_WhenConfigurationSwitchesToIt()
    {
        var script = _host.Script("fake-asr.sh", """echo "heard $(($(wc -c < "$1") - 44)) bytes of $2" """);
        using var switched = new TranscriptionTestHost(TranscriptionTestHost.CommandEngine(script, "fake-asr", "{input}", "{language}"));

        var result = Parse(await switched.RunAsync(TranscriptionTestHost.Payload(Sample, "de")));

        result.GetProperty("engine").GetString().Should().Be("fake-asr");
        result.GetProperty("text").GetString().Should().Be("heard 95680 bytes of de", "the 2.99 s file is one chunk of 47,840 samples");
        result.GetProperty("durationSeconds").GetDouble().Should().Be(2.99);
        _host.Get<ITranscriptionEngine>().Name.Should().Be("pocketsphinx", "the default is unchanged");
    }

    [Fact]
    public async Task HandleAsync_JoinsTheChunksTexts_WhenTheAudioIsLongerThanAChunk()
    {
        var script = _host.Script("count.sh", """echo "[$(($(wc -c < "$1") - 44))]" """);
        var settings = TranscriptionTestHost.CommandEngine(script, arguments: "{input}");
        settings["Queue:Transcription:ChunkSeconds"] = "1";
        using var chunked = new TranscriptionTestHost(settings);

        var text = Parse(await chunked.RunAsync(TranscriptionTestHost.Payload(Sample))).GetProperty("text").GetString()!;

        var sizes = text.Split(' ').Select(s => int.Parse(s.Trim('[', ']'), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        sizes.Should().HaveCountGreaterThan(1);
        sizes.Sum().Should().Be(47840 * 2, "the chunks hold every sample once");
        chunked.Progress.Should().HaveCount(sizes.Count);
        chunked.Progress.Select(p => p.Percent).Should().BeInAscendingOrder().And.EndWith(100);
    }

    [Fact]
    public async Task HandleAsync_FailsRetryablyWithExitCodeAndStderr_WhenTheCommandEngineFails()
    {
        var script = _host.Script("broken.sh", "echo 'cannot allocate 2 GB for the model' >&2; exit 137");
        using var host = new TranscriptionTestHost(TranscriptionTestHost.CommandEngine(script, "whisper", "{input}"));

        var act = () => host.RunAsync(TranscriptionTestHost.Payload(Sample));

        (await act.Should().ThrowAsync<TranscriptionEngineException>())
            .WithMessage("Transcription engine 'whisper' exited with code 137.*cannot allocate 2 GB for the model");
        Directory.EnumerateFileSystemEntries(host.WorkRoot).Should().BeEmpty();
    }

    [Fact]
    public async Task HandleAsync_StopsPromptlyAndCleansUp_WhenTheTaskIsCancelled()
    {
        var started = Path.Combine(_host.Directory, "started");
        var script = _host.Script("slow.sh", $"touch '{started}'\nsleep 30");
        using var host = new TranscriptionTestHost(TranscriptionTestHost.CommandEngine(script, "slow", "{input}"));
        using var cancel = new CancellationTokenSource();

        var running = host.RunAsync(TranscriptionTestHost.Payload(Sample), cancellationToken: cancel.Token);
        await Eventually.TrueAsync(_ => Task.FromResult(File.Exists(started)), TimeSpan.FromSeconds(10), "the engine should start");
        await cancel.CancelAsync();

        var act = () => running.WaitAsync(TimeSpan.FromSeconds(5));
        await act.Should().ThrowAsync<OperationCanceledException>();
        Directory.EnumerateFileSystemEntries(host.WorkRoot).Should().BeEmpty("the work folder is deleted on cancellation too");
    }
}
