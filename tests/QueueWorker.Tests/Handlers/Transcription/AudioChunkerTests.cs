using QueueWorker.Handlers.Transcription.Audio;

namespace QueueWorker.Tests.Handlers.Transcription;

public sealed class AudioChunkerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rq-chunk-test-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private PreparedAudio Prepared(short[] samples, bool extraChunks = false)
    {
        var path = Path.Combine(_directory, "audio.wav");
        TestAudio.WriteWav(path, samples, extraChunks: extraChunks);
        return new PreparedAudio(path, WavHeader.TryRead(path)!, IsConverted: false);
    }

    [Fact]
    public void Plan_CutsInsideTheSilence_WhenAQuietGapIsNearTheBoundary()
    {
        // Tone 0–9.2 s, silence 9.2–9.5 s, tone 9.5–17.9 s, silence 17.9–18.1 s, tone to 25 s: with 10-second
        // chunks the cuts must land in the gaps, although those are 0.8 s and 1.9 s from the boundaries.
        var samples = TestAudio.Tone(9.2).Concat(TestAudio.Silence(0.3)).Concat(TestAudio.Tone(8.4, hz: 300))
            .Concat(TestAudio.Silence(0.2)).Concat(TestAudio.Tone(6.9, hz: 500)).ToArray();

        var chunks = AudioChunker.Plan(Prepared(samples), chunkSeconds: 10);

        chunks.Should().HaveCount(3);
        (chunks[0].EndSample / (double)TestAudio.Rate).Should().BeInRange(9.2, 9.5);
        (chunks[1].EndSample / (double)TestAudio.Rate).Should().BeInRange(17.9, 18.1);
        chunks[^1].EndSample.Should().Be(samples.Length);
    }

    [Fact]
    public void Plan_CutsAtTheQuietestFrame_WhenThereIsNoSilence()
    {
        // Loud everywhere except a softer stretch at 11.0–11.1 s, inside the ±2.5 s window around 10 s.
        var samples = TestAudio.Tone(11).Concat(TestAudio.Tone(0.1, amplitude: 300)).Concat(TestAudio.Tone(10)).ToArray();

        var chunks = AudioChunker.Plan(Prepared(samples), chunkSeconds: 10);

        chunks.Should().HaveCount(2);
        (chunks[0].EndSample / (double)TestAudio.Rate).Should().BeInRange(11.0, 11.1);
    }

    [Fact]
    public void Plan_KeepsTheAudioWhole_WhenItIsBarelyLongerThanOneChunk()
    {
        var chunks = AudioChunker.Plan(Prepared(TestAudio.Tone(11)), chunkSeconds: 10);

        chunks.Should().ContainSingle().Which.Should().Be(new AudioChunk(0, 0, 11 * TestAudio.Rate));
    }

    [Fact]
    public void Plan_KeepsEveryChunkNearTheNominalLength_OnContinuousSound()
    {
        var samples = TestAudio.Tone(95.2);

        var chunks = AudioChunker.Plan(Prepared(samples), chunkSeconds: 30);

        chunks.Count.Should().BeInRange(3, 4, "95.2 s in chunks of 27–33 s");
        chunks.SkipLast(1).Should().AllSatisfy(c => (c.SampleCount / (double)TestAudio.Rate).Should().BeInRange(27, 33));
        (chunks[^1].SampleCount / (double)TestAudio.Rate).Should().BeGreaterThanOrEqualTo(3, "the last chunk is never a sliver");
    }

    [Fact]
    public async Task WriteAsync_WritesValidChunksThatCoverEverySampleExactlyOnce()
    {
        var random = new Random(42);
        var samples = Enumerable.Range(0, (int)(23.3 * TestAudio.Rate)).Select(i => (short)(i % 5000 < 400 ? 0 : random.Next(-9000, 9000))).ToArray();
        var audio = Prepared(samples, extraChunks: true);

        var chunks = AudioChunker.Plan(audio, chunkSeconds: 5);
        var joined = new List<short>();
        foreach (var chunk in chunks)
        {
            var path = Path.Combine(_directory, $"chunk-{chunk.Index}.wav");
            await AudioChunker.WriteAsync(audio, chunk, path, CancellationToken.None);
            var header = WavHeader.TryRead(path)!;
            header.Should().Be(new WavHeader(1, 1, 16000, 16, 44, chunk.SampleCount * 2), "each chunk is a canonical 16 kHz mono WAV");
            joined.AddRange(TestAudio.ReadCanonicalSamples(path));
        }

        chunks.Should().HaveCountGreaterThan(3);
        chunks.Select(c => c.StartSample).Should().Equal(chunks.SkipLast(1).Select(c => c.EndSample).Prepend(0L), "chunks are consecutive");
        joined.Should().Equal(samples, "together the chunks hold every sample once, in order");
    }
}
