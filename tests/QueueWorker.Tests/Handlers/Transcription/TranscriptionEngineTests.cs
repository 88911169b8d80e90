using System.Globalization;
using QueueService.Tests.Support;
using QueueService.Workers;
using QueueWorker.Handlers.Transcription.Engines;

namespace QueueWorker.Tests.Handlers.Transcription;

/// <summary>The engines on their own, running real programs: pocketsphinx, and shell scripts standing in for other recognisers.</summary>
public sealed class TranscriptionEngineTests : IDisposable
{
    private static readonly string Sample = TestAudio.Librivox[1].Path; // 2.99 s, "he was not an ill disposed young man"

    private readonly string _directory = Directory.CreateTempSubdirectory("rq-engine-test-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Script(string body)
    {
        var path = Path.Combine(_directory, $"engine-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static CommandEngine Command(string executable, params string[] arguments) =>
        new(new CommandEngineOptions { Name = "fake-asr", Executable = executable, Arguments = [.. arguments] });

    [Fact]
    public async Task Pocketsphinx_TranscribesSpeech_WithTheDebianModel()
    {
        var engine = new PocketsphinxEngine(new PocketsphinxOptions());

        engine.CheckReadiness().Should().Be(EngineReadiness.Usable);
        var text = await engine.TranscribeAsync(Sample, "en-us", CancellationToken.None);

        text.Should().Contain("young man");
    }

    [Fact]
    public async Task Pocketsphinx_ThrowsRetryableWithItsFatalLine_WhenItExitsNonZero()
    {
        var engine = new PocketsphinxEngine(new PocketsphinxOptions());
        var missing = Path.Combine(_directory, "gone.wav");

        var act = () => engine.TranscribeAsync(missing, "en-us", CancellationToken.None);

        var error = (await act.Should().ThrowAsync<TranscriptionEngineException>()).Which;
        error.ExitCode.Should().Be(1);
        error.Message.Should().StartWith("Transcription engine 'pocketsphinx' exited with code 1.")
            .And.Contain($"Failed to open file '{missing}'", "stderr is kept (no -logfn /dev/null) so the failure says why");
    }

    [Theory]
    [InlineData("Executable", "/nonexistent/pocketsphinx_continuous", "the program '/nonexistent/pocketsphinx_continuous' was not found")]
    [InlineData("AcousticModel", "/nonexistent/en-us", "the acoustic model directory '/nonexistent/en-us'")]
    [InlineData("LanguageModel", "/nonexistent/en-us.lm.bin", "the language model '/nonexistent/en-us.lm.bin'")]
    [InlineData("Dictionary", "/nonexistent/cmudict-en-us.dict", "the pronunciation dictionary '/nonexistent/cmudict-en-us.dict'")]
    public async Task Pocketsphinx_SaysWhatToInstall_WhenItsProgramOrModelIsMissing(string key, string value, string problem)
    {
        var options = new PocketsphinxOptions();
        typeof(PocketsphinxOptions).GetProperty(key)!.SetValue(options, value);
        var engine = new PocketsphinxEngine(options);

        var readiness = engine.CheckReadiness();
        var act = () => engine.TranscribeAsync(Sample, "en-us", CancellationToken.None);

        readiness.IsUsable.Should().BeFalse();
        readiness.Problem.Should().Contain(problem).And.Contain($"Queue:Transcription:Pocketsphinx:{key}").And.Contain("apt-get install pocketsphinx pocketsphinx-en-us");
        (await act.Should().ThrowAsync<PermanentTaskException>()).WithMessage(readiness.Problem);
    }

    [Fact]
    public async Task Command_PassesInputAndLanguageAsSeparateArguments_AndReturnsTrimmedStdout()
    {
        var engine = Command(Script("""printf '  %s|%s|%s  \n\n' "$1" "$2" "$#" """), "{input}", "lang={language}");

        var text = await engine.TranscribeAsync("/tmp/a file; rm -rf x.wav", "de", CancellationToken.None);

        text.Should().Be("/tmp/a file; rm -rf x.wav|lang=de|2", "no shell sees the path: it arrives as one argument");
        engine.Name.Should().Be("fake-asr");
    }

    [Fact]
    public async Task Command_ThrowsRetryableWithExitCodeAndStderr_WhenTheProgramFails()
    {
        var engine = Command(Script("""
            i=0; while [ $i -lt 50 ]; do echo "loading layer $i" >&2; i=$((i+1)); done
            echo "error: model file ggml-base.bin is corrupt" >&2
            exit 3
            """), "{input}");

        var act = () => engine.TranscribeAsync(Sample, "en", CancellationToken.None);

        var error = (await act.Should().ThrowAsync<TranscriptionEngineException>()).Which;
        error.Should().NotBeOfType<PermanentTaskException>();
        error.ExitCode.Should().Be(3);
        error.Message.Should().StartWith("Transcription engine 'fake-asr' exited with code 3.")
            .And.EndWith("error: model file ggml-base.bin is corrupt")
            .And.NotContain("loading layer 10", "only the last lines of stderr are kept");
    }

    [Fact]
    public async Task Command_SaysWhatIsMissing_WhenTheProgramDoesNotExist()
    {
        var engine = Command("/nonexistent/whisper-cli", "{input}");

        var act = () => engine.TranscribeAsync(Sample, "en", CancellationToken.None);

        engine.CheckReadiness().IsUsable.Should().BeFalse();
        (await act.Should().ThrowAsync<PermanentTaskException>())
            .WithMessage("fake-asr: the recogniser program '/nonexistent/whisper-cli' was not found (Queue:Transcription:Command:Executable)*");
    }

    [Fact]
    public async Task Command_ReturnsPromptlyAndLeavesNoProcess_WhenCancelled()
    {
        var pids = Path.Combine(_directory, "pids");
        var engine = Command(Script($"sleep 30 &\necho \"$$ $!\" > '{pids}'\nwait"), "{input}");
        using var cancel = new CancellationTokenSource();

        var running = engine.TranscribeAsync(Sample, "en", cancel.Token);
        var started = await Eventually.MatchAsync(ct => Task.FromResult(File.Exists(pids) ? File.ReadAllText(pids).Split(' ', StringSplitOptions.TrimEntries) : []),
            ids => ids.Length == 2 && ids[1].Length > 0, TimeSpan.FromSeconds(10), "the script should start and record its pid and its child's");
        await cancel.CancelAsync();

        var act = () => running.WaitAsync(TimeSpan.FromSeconds(5));
        await act.Should().ThrowAsync<OperationCanceledException>("cancelling must not wait for the 30-second sleep");
        foreach (var pid in started.Select(id => int.Parse(id, CultureInfo.InvariantCulture)))
            await Eventually.TrueAsync(_ => Task.FromResult(!IsRunning(pid)), TimeSpan.FromSeconds(5),
                $"process {pid} (the script or its sleep) should be killed with the tree");
    }

    /// <summary>Alive and not a zombie (an orphan's zombie waits for whoever reaps orphans here; it runs nothing).</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
