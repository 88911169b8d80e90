using System.Buffers.Binary;
using System.IO.Hashing;
using System.Reflection;
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

        var parts = SnapshotFile.PartsOf(snapshot).SelectMany(part => MessagePackSerializer.Serialize(part, SnapshotFile.Options)).ToArray();
        body.AsSpan().SequenceEqual(parts)
            .Should().BeTrue("the body is the parts one after the other; chunking the output (and growing past a chunk for a big block) must not change a byte");
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
        BinaryPrimitives.ReadUInt16LittleEndian(header[10..]).Should().Be(2);
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
    public void Read_DecodesABodyWrittenUncompressed_SinceMessagePackLeavesTinyBodiesSo()
    {
        var body = MessagePackSerializer.Serialize(new StoreSnapshot { Epoch = "e", Sequence = 9 });

        var result = SnapshotSamples.Read(SnapshotSamples.FileWithBody(body));

        result.IsValid.Should().BeTrue(result.Error?.ToString());
        result.Snapshot!.Sequence.Should().Be(9);
    }

    [Fact]
    public void Error_ToString_GivesTheKindAndTheMessage()
    {
        new SnapshotFileError(SnapshotFileErrorKind.Empty, "the file is empty").ToString().Should().Be("Empty: the file is empty");
    }
}
