using System.Buffers.Binary;
using System.IO.Hashing;
using System.Reflection;
using System.Text;
using MessagePack;
using QueueService.Snapshots;

namespace QueueService.Tests.Snapshots;

public sealed class SnapshotFileTests
{
    [Fact]
    public void Read_ReturnsAnEqualSnapshot_WhenEveryFieldIsSet()
    {
        var original = SnapshotSamples.EveryField();

        var result = SnapshotSamples.Read(SnapshotSamples.FileBytes(original));

        result.IsValid.Should().BeTrue(result.Error?.ToString());
        result.Error.Should().BeNull();
        result.Snapshot.Should().BeEquivalentTo(original, options => options.WithStrictOrdering());
    }

    [Fact]
    public void EveryFieldSample_SetsEveryKeyedProperty_SoTheRoundTripCoversNewFieldsToo()
    {
        var sample = SnapshotSamples.EveryField();
        object[] contracts = [sample, sample.Tasks[0], sample.Tasks[0].Errors[0], sample.Queues[0]];

        foreach (var contract in contracts)
        {
            foreach (var property in contract.GetType().GetProperties().Where(p => p.GetCustomAttribute<KeyAttribute>() is not null))
            {
                var value = property.GetValue(contract);
                var type = property.PropertyType;
                var isDefault = value is null
                    || (value is System.Collections.ICollection { Count: 0 })
                    || (value is string { Length: 0 })
                    || (type.IsValueType && value.Equals(Activator.CreateInstance(type)));
                isDefault.Should().BeFalse($"{contract.GetType().Name}.{property.Name} must be set in the sample");
            }
        }
    }

    [Fact]
    public void Read_ReturnsAnEqualSnapshot_For100000Tasks()
    {
        var original = SnapshotSamples.Many(100_000);

        var file = SnapshotSamples.FileBytes(original);
        var result = SnapshotSamples.Read(file);

        result.IsValid.Should().BeTrue(result.Error?.ToString());
        result.Snapshot!.Tasks.Should().HaveCount(100_000);
        SnapshotSamples.Canonical(result.Snapshot).AsSpan().SequenceEqual(SnapshotSamples.Canonical(original))
            .Should().BeTrue("every keyed field of every task must come back");
        result.Snapshot.Tasks[99_999].Should().BeEquivalentTo(original.Tasks[99_999]);
        file.Length.Should().BeLessThan(SnapshotSamples.Canonical(original).Length, "the body is LZ4 compressed");
    }

    public static TheoryData<string> BodyShapes => ["every field", "20,000 tasks", "one 3 MiB payload", "empty"];

    [Theory]
    [MemberData(nameof(BodyShapes))]
    public void Write_StreamsTheSameBody_AsMessagePackBuildsInMemory(string shape)
    {
        var snapshot = Shape(shape);

        var body = SnapshotSamples.FileBytes(snapshot)[32..];

        body.AsSpan().SequenceEqual(MessagePackSerializer.Serialize(snapshot, SnapshotFile.Options))
            .Should().BeTrue("chunking the output (and growing past a chunk for a big block) must not change a byte");
    }

    [Theory]
    [MemberData(nameof(BodyShapes))]
    public void BodyWriter_ReadsTheDecompressedSize_FromTheBlockArrayHeader(string shape)
    {
        var snapshot = Shape(shape);
        using var body = new SnapshotBodyWriter(new MemoryStream());

        MessagePackSerializer.Serialize(body, snapshot, SnapshotFile.Options);
        body.Complete();

        body.UncompressedLength.Should().Be(SnapshotSamples.Canonical(snapshot).Length);
    }

    private static StoreSnapshot Shape(string shape) => shape switch
    {
        "every field" => SnapshotSamples.EveryField(),
        "20,000 tasks" => SnapshotSamples.Many(20_000),
        "one 3 MiB payload" => new StoreSnapshot { Tasks = [new SnapshotTask { PayloadJson = new string('x', 3 << 20) }] },
        _ => new StoreSnapshot(),
    };

    [Fact]
    public void Read_ReturnsTheSnapshot_FromAStreamThatCannotSeek()
    {
        var file = SnapshotSamples.FileBytes(SnapshotSamples.Small(3));

        var result = SnapshotFile.Read(new FaultyStream(new MemoryStream(file), canSeek: false));

        result.IsValid.Should().BeTrue(result.Error?.ToString());
        result.Snapshot!.Sequence.Should().Be(3);
    }

    [Fact]
    public void Write_LaysOutTheHeader_AsDocumented()
    {
        var file = SnapshotSamples.FileBytes(SnapshotSamples.Small(1));

        var header = file.AsSpan(0, 32);
        header[..10].ToArray().Should().Equal(0x52, 0x51, 0x53, 0x4E, 0x41, 0x50, 0x0D, 0x0A, 0x1A, 0x0A);
        BinaryPrimitives.ReadUInt16LittleEndian(header[10..]).Should().Be(1);
        BinaryPrimitives.ReadUInt64LittleEndian(header[12..]).Should().Be((ulong)(file.Length - 32));
        BinaryPrimitives.ReadUInt64LittleEndian(header[20..]).Should().Be(XxHash3.HashToUInt64(file.AsSpan(32)));
        BinaryPrimitives.ReadUInt32LittleEndian(header[28..]).Should().Be(Crc32.HashToUInt32(header[..28]));
        SnapshotFile.HeaderLength.Should().Be(32);
        SnapshotFile.Magic.ToArray().Should().Equal(header[..10].ToArray());
    }

    [Fact]
    public void Write_ReturnsTheBytesWritten_AndLeavesTheStreamAtTheEnd_WhenItStartsMidStream()
    {
        using var stream = new MemoryStream();
        stream.Write("prefix"u8);

        var bytes = SnapshotFile.Write(stream, SnapshotSamples.Small(2));

        stream.Position.Should().Be(6 + bytes);
        stream.Position = 6;
        SnapshotFile.Read(stream).Snapshot!.Sequence.Should().Be(2);
    }

    [Fact]
    public void Write_Refuses_AStreamThatCannotSeek()
    {
        var act = () => SnapshotFile.Write(new FaultyStream(new MemoryStream(), canSeek: false), SnapshotSamples.Small(1));

        act.Should().Throw<ArgumentException>().WithMessage("*seekable*");
    }

    [Fact]
    public void Write_Throws_WhenCancelled()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var act = () => SnapshotFile.Write(new MemoryStream(), SnapshotSamples.Many(10), cancelled.Token);

        act.Should().Throw<OperationCanceledException>();
    }

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
            SnapshotSamples.Read(FlipBit(file, bit)).Error!.Kind.Should().Be(SnapshotFileErrorKind.Foreign, $"bit {bit} is in the magic");
    }

    [Fact]
    public void Read_RefusesAsCorruptHeader_WhenAnyBitAfterTheMagicIsFlipped()
    {
        var file = SnapshotSamples.FileBytes(SnapshotSamples.Small(1));

        // Version, body length, body checksum, header checksum: CRC-32 catches every single-bit error,
        // and a flipped version bit must not pass for a newer format.
        for (var bit = 10 * 8; bit < 32 * 8; bit++)
            SnapshotSamples.Read(FlipBit(file, bit)).Error!.Kind.Should().Be(SnapshotFileErrorKind.CorruptHeader, $"bit {bit} is in the header");
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

        var error = SnapshotSamples.Read(FlipBit(file, bit)).Error!;

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

        var error = SnapshotSamples.Read(FileWithBody(body, version: 2)).Error!;

        error.Kind.Should().Be(SnapshotFileErrorKind.FutureVersion);
        error.Message.Should().Contain("format version 2").And.Contain("reads version 1");
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

        var error = SnapshotSamples.Read(FileWithBody(body, version: 0)).Error!;

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
        var error = SnapshotSamples.Read(FileWithBody(body)).Error!;

        error.Kind.Should().Be(SnapshotFileErrorKind.UndecodableBody, kind);
        error.Message.Should().Contain(message);
    }

    [Fact]
    public void Read_DecodesABodyWrittenUncompressed_SinceMessagePackLeavesTinyBodiesSo()
    {
        var body = MessagePackSerializer.Serialize(new StoreSnapshot { Epoch = "e", Sequence = 9 });

        var result = SnapshotSamples.Read(FileWithBody(body));

        result.IsValid.Should().BeTrue(result.Error?.ToString());
        result.Snapshot!.Sequence.Should().Be(9);
    }

    [Fact]
    public void Error_ToString_GivesTheKindAndTheMessage()
    {
        new SnapshotFileError(SnapshotFileErrorKind.Empty, "the file is empty").ToString().Should().Be("Empty: the file is empty");
    }

    /// <summary>A file with a correct version-<paramref name="version"/> header (the documented layout) over any body.</summary>
    internal static byte[] FileWithBody(byte[] body, ushort version = 1)
    {
        var file = new byte[32 + body.Length];
        "RQSNAP\r\n\u001a\n"u8.CopyTo(file);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(10), version);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(12), (ulong)body.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(20), XxHash3.HashToUInt64(body));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(28), Crc32.HashToUInt32(file.AsSpan(0, 28)));
        body.CopyTo(file, 32);
        return file;
    }

    internal static byte[] FlipBit(byte[] file, int bit)
    {
        var copy = file.ToArray();
        copy[bit / 8] ^= (byte)(1 << (bit % 8));
        return copy;
    }
}
