using System.Buffers.Binary;
using System.Text;
using MessagePack;
using QueueService.Snapshots;

namespace QueueService.Tests.Snapshots;

/// <summary>Every way <see cref="SnapshotFile.Read"/> refuses a file, each with the right kind and numbers.</summary>
public sealed class SnapshotFileRefusalTests
{
    [Fact]
    public void Read_RefusesAsEmpty_WhenTheFileHasNoBytes()
    {
        var result = SnapshotSamples.Read([]);

        result.IsValid.Should().BeFalse();
        result.Snapshot.Should().BeNull();
        result.Error!.Kind.Should().Be(SnapshotFileErrorKind.Empty);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(27)]
    [InlineData(31)]
    public void Read_RefusesAsTruncatedHeader_WhenTheFileEndsInsideTheHeader(int length)
    {
        var file = SnapshotSamples.FileBytes(SnapshotSamples.Small(1));

        var error = SnapshotSamples.Read(file[..length]).Error!;

        error.Kind.Should().Be(SnapshotFileErrorKind.TruncatedHeader);
        error.Message.Should().Contain($"after {length} bytes");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Read_RefusesAsTruncatedBody_WhenTheFileEndsInsideTheBody(int cut)
    {
        var file = SnapshotSamples.FileBytes(SnapshotSamples.EveryField());
        var body = file.Length - 32;
        var keptBody = cut switch { 0 => 0, 1 => 1, 2 => body / 2, _ => body - 1 };

        foreach (var seekable in new[] { true, false })
        {
            var truncated = file[..(32 + keptBody)];
            var error = SnapshotFile.Read(new FaultyStream(new MemoryStream(truncated), canSeek: seekable)).Error!;

            error.Kind.Should().Be(SnapshotFileErrorKind.TruncatedBody);
            error.Message.Should().Contain($"announces {body} body bytes").And.Contain($"holds {keptBody}");
        }
    }

    [Fact]
    public void Read_RefusesAsTrailingData_WhenBytesFollowTheBody()
    {
        var file = SnapshotSamples.FileBytes(SnapshotSamples.Small(1)).Append((byte)0).ToArray();

        SnapshotSamples.Read(file).Error!.Kind.Should().Be(SnapshotFileErrorKind.TrailingData);
        SnapshotFile.Read(new FaultyStream(new MemoryStream(file), canSeek: false)).Error!.Kind.Should().Be(SnapshotFileErrorKind.TrailingData);
    }

    [Fact]
    public void Read_RefusesAsForeign_WhenAnyBitOfTheMagicIsFlipped()
    {
        var file = SnapshotSamples.FileBytes(SnapshotSamples.Small(1));

        for (var bit = 0; bit < 10 * 8; bit++)
            SnapshotSamples.Read(SnapshotSamples.FlipBit(file, bit)).Error!.Kind.Should().Be(SnapshotFileErrorKind.Foreign, $"bit {bit} is in the magic");
    }

    [Fact]
    public void Read_RefusesAsCorruptHeader_WhenAnyBitAfterTheMagicIsFlipped()
    {
        var file = SnapshotSamples.FileBytes(SnapshotSamples.Small(1));

        // Version, body length, body checksum, header checksum: CRC-32 catches every single-bit error,
        // and a flipped version bit must not pass for a newer format.
        for (var bit = 10 * 8; bit < 32 * 8; bit++)
            SnapshotSamples.Read(SnapshotSamples.FlipBit(file, bit)).Error!.Kind.Should().Be(SnapshotFileErrorKind.CorruptHeader, $"bit {bit} is in the header");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void Read_RefusesAsChecksumMismatch_WhenABitOfTheBodyIsFlipped(double where)
    {
        var file = SnapshotSamples.FileBytes(SnapshotSamples.EveryField());
        var bodyBits = (file.Length - 32) * 8;
        var bit = 32 * 8 + (int)Math.Min(bodyBits - 1, where * bodyBits);

        var error = SnapshotSamples.Read(SnapshotSamples.FlipBit(file, bit)).Error!;

        error.Kind.Should().Be(SnapshotFileErrorKind.ChecksumMismatch);
        error.Message.Should().MatchRegex("hashes to 0x[0-9a-f]{16}, the header says 0x[0-9a-f]{16}");
    }

    public static TheoryData<string, byte[]> ForeignFiles => new()
    {
        { "PNG", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89] },
        { "JSON", Encoding.UTF8.GetBytes("{\"epoch\":\"e\",\"tasks\":[{\"id\":\"t-1\"}]}") },
        { "short text", Encoding.UTF8.GetBytes("hi\n") },
        { "plain MessagePack of a snapshot", SnapshotSamples.Canonical(SnapshotSamples.Small(1)) },
    };

    [Theory]
    [MemberData(nameof(ForeignFiles))]
    public void Read_RefusesAsForeign_WhenTheFileIsAnotherFormat(string kind, byte[] file)
    {
        var error = SnapshotSamples.Read(file).Error!;

        error.Kind.Should().Be(SnapshotFileErrorKind.Foreign, kind);
        error.Message.Should().Contain("52 51 53 4E 41 50 0D 0A 1A 0A", "the message shows what a snapshot starts with");
    }

    [Fact]
    public void Read_RefusesAsFutureVersion_WhenAnIntactHeaderHasANewerVersion()
    {
        var body = SnapshotSamples.FileBytes(SnapshotSamples.Small(1))[32..];

        var error = SnapshotSamples.Read(SnapshotSamples.FileWithBody(body, version: 3)).Error!;

        error.Kind.Should().Be(SnapshotFileErrorKind.FutureVersion);
        error.Message.Should().Contain("format version 3").And.Contain("reads versions 1–2");
    }

    [Fact]
    public void Read_RefusesAsFutureVersion_WhenANewerFormatHasAShorterHeader()
    {
        var file = SnapshotSamples.FileBytes(SnapshotSamples.Small(1))[..12];
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(10), 7);

        SnapshotSamples.Read(file).Error!.Kind.Should().Be(SnapshotFileErrorKind.FutureVersion);
    }

    [Fact]
    public void Read_RefusesAsCorruptHeader_WhenTheVersionIsZero()
    {
        var body = SnapshotSamples.FileBytes(SnapshotSamples.Small(1))[32..];

        var error = SnapshotSamples.Read(SnapshotSamples.FileWithBody(body, version: 0)).Error!;

        error.Kind.Should().Be(SnapshotFileErrorKind.CorruptHeader);
        error.Message.Should().Contain("version 0 does not exist");
    }

    public static TheoryData<string, byte[], string> UndecodableBodies => new()
    {
        { "a never-used MessagePack code", [0xC1, 0xC1, 0xC1], "Failed to deserialize" },
        { "a string", MessagePackSerializer.Serialize("not a snapshot"), "Failed to deserialize" },
        { "nil", [0xC0], "nil" },
        { "bytes after the snapshot", [.. MessagePackSerializer.Serialize(new StoreSnapshot()), 0x01], "1 bytes follow" },
        { "no bytes", [], "Failed to deserialize" },
    };

    [Theory]
    [MemberData(nameof(UndecodableBodies))]
    public void Read_RefusesAsUndecodableBody_WhenAVerifiedBodyIsNotASnapshot(string kind, byte[] body, string message)
    {
        var error = SnapshotSamples.Read(SnapshotSamples.FileWithBody(body)).Error!;

        error.Kind.Should().Be(SnapshotFileErrorKind.UndecodableBody, kind);
        error.Message.Should().Contain(message);
    }
}
