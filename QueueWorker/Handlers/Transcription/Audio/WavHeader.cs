using System.Buffers.Binary;

namespace QueueWorker.Handlers.Transcription.Audio;

/// <summary>
/// What a RIFF/WAVE file's <c>fmt </c> and <c>data</c> chunks say, read without a library. Chunks other than
/// those two (<c>LIST</c>, <c>fact</c>, <c>bext</c>, <c>JUNK</c>, …) are skipped wherever they sit.
/// </summary>
/// <param name="FormatTag">1 for integer PCM (also when given as <c>WAVE_FORMAT_EXTENSIBLE</c> with a PCM sub-format).</param>
/// <param name="Channels">Interleaved channels.</param>
/// <param name="SampleRate">Samples per second per channel.</param>
/// <param name="BitsPerSample">Bits per sample of one channel.</param>
/// <param name="DataOffset">Byte offset of the first sample in the file.</param>
/// <param name="DataBytes">Bytes of sample data, cut to what the file really holds and to whole frames.</param>
public sealed record WavHeader(int FormatTag, int Channels, int SampleRate, int BitsPerSample, long DataOffset, long DataBytes)
{
    /// <summary>Integer PCM.</summary>
    public const int PcmFormat = 1;
    /// <summary>The recognisers' input: 16 kHz.</summary>
    public const int TargetSampleRate = 16000;
    /// <summary>Bytes of the canonical header this worker writes (RIFF + fmt (16) + data).</summary>
    public const int CanonicalHeaderBytes = 44;

    private const int ExtensibleFormat = 0xFFFE;

    /// <summary>True when the samples are already what the recognisers take: 16 kHz, mono, 16-bit signed PCM.</summary>
    public bool IsRecognizerReady =>
        FormatTag == PcmFormat && Channels == 1 && SampleRate == TargetSampleRate && BitsPerSample == 16;

    /// <summary>Samples per channel in the data chunk.</summary>
    public long FrameCount => Channels > 0 && BitsPerSample > 0 ? DataBytes / (Channels * ((BitsPerSample + 7) / 8)) : 0;

    /// <summary>Reads the header of <paramref name="path"/>.</summary>
    /// <returns>The header, or null when the file is not a RIFF/WAVE file whose <c>fmt </c> chunk precedes a <c>data</c> chunk.</returns>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static WavHeader? TryRead(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096);
        return TryRead(stream);
    }

    /// <summary>Reads a header from the start of <paramref name="stream"/> (which must be seekable).</summary>
    /// <returns>The header, or null when it is not a WAV file this parser understands.</returns>
    public static WavHeader? TryRead(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var length = stream.Length;
        Span<byte> head = stackalloc byte[12];
        stream.Position = 0;
        if (stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length
            || !head[..4].SequenceEqual("RIFF"u8) || !head[8..12].SequenceEqual("WAVE"u8))
        {
            return null;
        }

        Span<byte> chunk = stackalloc byte[8];
        Span<byte> fmt = stackalloc byte[40];
        (int Tag, int Channels, int Rate, int Bits)? format = null;
        var position = 12L;
        while (position + 8 <= length)
        {
            stream.Position = position;
            if (stream.ReadAtLeast(chunk, 8, throwOnEndOfStream: false) < 8) return null;
            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            var body = position + 8;
            if (chunk[..4].SequenceEqual("fmt "u8))
            {
                if (size < 16) return null;
                var read = stream.ReadAtLeast(fmt[..(int)Math.Min(size, 40)], (int)Math.Min(size, 40), throwOnEndOfStream: false);
                if (read < 16) return null;
                format = ReadFormat(fmt[..read]);
            }
            else if (chunk[..4].SequenceEqual("data"u8))
            {
                if (format is not { } f) return null; // data before fmt: not a layout we trust ourselves to read
                // Streaming writers leave the size at 0xFFFFFFFF or too large: the file's end is the truth.
                var bytes = Math.Min(size, length - body);
                var frameBytes = f.Channels * ((f.Bits + 7) / 8);
                if (frameBytes > 0) bytes -= bytes % frameBytes;
                return new WavHeader(f.Tag, f.Channels, f.Rate, f.Bits, body, bytes);
            }
            position = body + size + (size & 1); // chunks are padded to an even size
        }
        return null;
    }

    private static (int Tag, int Channels, int Rate, int Bits) ReadFormat(ReadOnlySpan<byte> fmt)
    {
        int tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        var rate = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]), int.MaxValue);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        // WAVE_FORMAT_EXTENSIBLE names the real format in the first two bytes of its sub-format GUID.
        if (tag == ExtensibleFormat && fmt.Length >= 26) tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
        return (tag, channels, rate, bits);
    }

    /// <summary>Writes the canonical 44-byte header of a 16 kHz mono 16-bit PCM file holding <paramref name="dataBytes"/> bytes.</summary>
    public static void WriteCanonical(Stream stream, long dataBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (dataBytes is < 0 or > uint.MaxValue - 36) throw new ArgumentOutOfRangeException(nameof(dataBytes), dataBytes, "too large for a WAV file");
        Span<byte> header = stackalloc byte[CanonicalHeaderBytes];
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(36 + dataBytes));
        "WAVEfmt "u8.CopyTo(header[8..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(header[20..], PcmFormat);
        BinaryPrimitives.WriteUInt16LittleEndian(header[22..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], TargetSampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], TargetSampleRate * 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[32..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[34..], 16);
        "data"u8.CopyTo(header[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[40..], (uint)dataBytes);
        stream.Write(header);
    }
}
