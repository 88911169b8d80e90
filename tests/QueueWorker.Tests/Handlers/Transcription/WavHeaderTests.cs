using System.Buffers.Binary;
using QueueWorker.Handlers.Transcription.Audio;

namespace QueueWorker.Tests.Handlers.Transcription;

public sealed class WavHeaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rq-wav-test-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    [Fact]
    public void TryRead_FindsFormatAndData_WhenOtherChunksSurroundThem()
    {
        var path = PathOf("extra.wav");
        TestAudio.WriteWav(path, TestAudio.Tone(0.5), extraChunks: true);

        var header = WavHeader.TryRead(path);

        header.Should().NotBeNull();
        header!.IsRecognizerReady.Should().BeTrue();
        header.FrameCount.Should().Be(8000);
        header.DataOffset.Should().BeGreaterThan(44, "the LIST and odd-sized JUNK chunks come before the data");
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan((int)header.DataOffset + 2)).Should().Be(TestAudio.Tone(0.5)[1]);
    }

    [Fact]
    public void TryRead_ReportsTheFormat_WhenNotRecognizerReady()
    {
        var path = PathOf("stereo.wav");
        TestAudio.WriteWav(path, TestAudio.Tone(1, amplitude: 100), rate: 44100, channels: 2);

        var header = WavHeader.TryRead(path)!;

        header.Should().BeEquivalentTo(new { FormatTag = 1, Channels = 2, SampleRate = 44100, BitsPerSample = 16 });
        header.FrameCount.Should().Be(8000, "16,000 samples over two channels are 8,000 frames");
        header.IsRecognizerReady.Should().BeFalse();
    }

    [Fact]
    public void TryRead_CutsTheDataToTheFile_WhenTheSizeFieldIsTooLarge()
    {
        var path = PathOf("streamed.wav");
        TestAudio.WriteWav(path, TestAudio.Tone(0.25));
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(40), uint.MaxValue); // as a streaming writer leaves it
        File.WriteAllBytes(path, [.. bytes, 0x01]); // and a stray odd byte at the end

        WavHeader.TryRead(path)!.FrameCount.Should().Be(4000);
    }

    [Fact]
    public void TryRead_ReadsThePcmSubformat_WhenTheFormatIsExtensible()
    {
        var path = PathOf("extensible.wav");
        using (var file = File.Create(path))
        {
            var fmt = new byte[40];
            BinaryPrimitives.WriteUInt16LittleEndian(fmt, 0xFFFE);
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(2), 1);
            BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(4), 16000);
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(14), 16);
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(16), 22);
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(24), 1); // KSDATAFORMAT_SUBTYPE_PCM starts 01 00
            using var writer = new BinaryWriter(file);
            writer.Write("RIFF"u8); writer.Write(4 + 8 + 40 + 8 + 4); writer.Write("WAVE"u8);
            writer.Write("fmt "u8); writer.Write(40); writer.Write(fmt);
            writer.Write("data"u8); writer.Write(4); writer.Write(new byte[4]);
        }

        var header = WavHeader.TryRead(path)!;

        header.FormatTag.Should().Be(WavHeader.PcmFormat);
        header.IsRecognizerReady.Should().BeTrue();
        header.FrameCount.Should().Be(2);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { (byte)'R', (byte)'I', (byte)'F', (byte)'F' })]
    [InlineData(new byte[] { 0x49, 0x44, 0x33, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })] // an MP3's ID3 tag
    public void TryRead_ReturnsNull_WhenTheFileIsNotAWav(byte[] bytes)
    {
        var path = PathOf("not.wav");
        File.WriteAllBytes(path, bytes);

        WavHeader.TryRead(path).Should().BeNull();
    }

    [Fact]
    public void TryRead_ReturnsNull_WhenDataComesBeforeFormat()
    {
        var path = PathOf("data-first.wav");
        using (var writer = new BinaryWriter(File.Create(path)))
        {
            writer.Write("RIFF"u8); writer.Write(4 + 12 + 24); writer.Write("WAVE"u8);
            writer.Write("data"u8); writer.Write(4); writer.Write(new byte[4]);
            writer.Write("fmt "u8); writer.Write(16); writer.Write(new byte[16]);
        }

        WavHeader.TryRead(path).Should().BeNull("sox, not our parser, should deal with unusual layouts");
    }

    [Fact]
    public void WriteCanonical_WritesA44ByteHeaderTheParserReadsBack()
    {
        using var stream = new MemoryStream();
        WavHeader.WriteCanonical(stream, 640);
        stream.Write(new byte[640]);

        stream.Length.Should().Be(44 + 640);
        var header = WavHeader.TryRead(stream)!;
        header.Should().Be(new WavHeader(1, 1, 16000, 16, 44, 640));
    }
}
