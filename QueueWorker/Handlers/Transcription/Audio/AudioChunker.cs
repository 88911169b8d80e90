using System.Buffers.Binary;

namespace QueueWorker.Handlers.Transcription.Audio;

/// <summary>
/// Cuts prepared audio into chunks of about <c>ChunkSeconds</c>, so a long recording reports real progress
/// and no recogniser run holds an hour of audio. Each cut is placed at the quietest 20 ms frame within
/// <see cref="MaxSearchSeconds"/> (at most a quarter chunk) of the nominal boundary: a pause between words
/// when there is one, so words are rarely split.
/// </summary>
public static class AudioChunker
{
    /// <summary>Samples in one 20 ms frame at 16 kHz: the unit in which loudness is compared.</summary>
    public const int FrameSamples = WavHeader.TargetSampleRate / 50;

    /// <summary>How far from the nominal boundary a cut may move, in seconds (less for chunks under 12 s: a quarter chunk).</summary>
    public const double MaxSearchSeconds = 3;

    private const int BytesPerSample = 2;

    /// <summary>
    /// Plans the chunks: consecutive, together covering every sample exactly once. Each is within the search
    /// window of <paramref name="chunkSeconds"/> long, except that audio only slightly longer than one chunk
    /// stays whole and the last chunk may be shorter (never shorter than the search window).
    /// </summary>
    /// <exception cref="IOException">The audio file cannot be read.</exception>
    public static IReadOnlyList<AudioChunk> Plan(PreparedAudio audio, double chunkSeconds)
    {
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSeconds, 1.0 / 50);
        var total = audio.SampleCount;
        var chunk = (long)Math.Round(chunkSeconds * WavHeader.TargetSampleRate);
        var window = Math.Min((long)(MaxSearchSeconds * WavHeader.TargetSampleRate), chunk / 4);
        var chunks = new List<AudioChunk>();
        using var stream = new FileStream(audio.Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        var start = 0L;
        while (total - start > chunk + window)
        {
            var nominal = start + chunk;
            // The upper end leaves at least a window for the last chunk, so it is never a sliver.
            var cut = QuietestCut(stream, audio.Header, nominal - window, Math.Min(nominal + window, total - window), nominal);
            chunks.Add(new AudioChunk(chunks.Count, start, cut - start));
            start = cut;
        }
        chunks.Add(new AudioChunk(chunks.Count, start, total - start));
        return chunks;
    }

    /// <summary>Writes <paramref name="chunk"/> of <paramref name="audio"/> to <paramref name="path"/> as a WAV with the canonical 44-byte header.</summary>
    /// <exception cref="IOException">Reading or writing failed.</exception>
    public static async Task WriteAsync(PreparedAudio audio, AudioChunk chunk, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentNullException.ThrowIfNull(chunk);
        var source = new FileStream(audio.Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, useAsync: true);
        await using (source.ConfigureAwait(false))
        {
            var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, useAsync: true);
            await using (target.ConfigureAwait(false))
            {
                var bytes = chunk.SampleCount * BytesPerSample;
                WavHeader.WriteCanonical(target, bytes);
                source.Position = audio.Header.DataOffset + chunk.StartSample * BytesPerSample;
                var buffer = new byte[81920];
                while (bytes > 0)
                {
                    var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, bytes)), cancellationToken).ConfigureAwait(false);
                    if (read == 0) throw new EndOfStreamException($"'{audio.Path}' ended before sample {chunk.EndSample}.");
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    bytes -= read;
                }
            }
        }
    }

    /// <summary>The middle of the quietest whole frame in [<paramref name="from"/>, <paramref name="to"/>); ties go to the frame nearest <paramref name="nominal"/>.</summary>
    private static long QuietestCut(FileStream stream, WavHeader header, long from, long to, long nominal)
    {
        var samples = to - from;
        if (samples < FrameSamples) return nominal;
        var buffer = new byte[samples * BytesPerSample];
        stream.Position = header.DataOffset + from * BytesPerSample;
        stream.ReadExactly(buffer);

        var best = nominal;
        var bestEnergy = long.MaxValue;
        for (var frame = 0L; frame + FrameSamples <= samples; frame += FrameSamples)
        {
            var energy = 0L;
            for (var i = frame; i < frame + FrameSamples; i++)
            {
                long sample = BinaryPrimitives.ReadInt16LittleEndian(buffer.AsSpan((int)(i * BytesPerSample), BytesPerSample));
                energy += sample * sample;
            }
            var centre = from + frame + FrameSamples / 2;
            if (energy < bestEnergy || (energy == bestEnergy && Math.Abs(centre - nominal) < Math.Abs(best - nominal)))
            {
                best = centre;
                bestEnergy = energy;
            }
        }
        return best;
    }
}
