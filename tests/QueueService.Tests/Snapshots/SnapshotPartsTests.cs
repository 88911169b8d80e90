using MessagePack;
using QueueService.Snapshots;

namespace QueueService.Tests.Snapshots;

/// <summary>Format version 2: a body of parts, written as a store's pages arrive.</summary>
public sealed class SnapshotPartsTests
{
    [Fact]
    public void PartsOf_SplitsTasksIntoPagesBehindTheFirstPartsFields()
    {
        var snapshot = SnapshotSamples.Many(2 * SnapshotFile.TasksPerPart + 1);

        var parts = SnapshotFile.PartsOf(snapshot).ToList();

        parts.Select(p => p.Tasks.Count).Should().Equal(SnapshotFile.TasksPerPart, SnapshotFile.TasksPerPart, 1);
        parts[0].Epoch.Should().Be(snapshot.Epoch);
        parts[0].Queues.Should().BeEquivalentTo(snapshot.Queues);
        parts.Skip(1).Should().OnlyContain(p => p.Epoch == "" && p.Queues.Count == 0 && p.Sequence == 0);
        parts.SelectMany(p => p.Tasks).Should().Equal(snapshot.Tasks);
    }

    [Fact]
    public void PartsOf_GivesOnePart_WhenThereAreNoTasks()
    {
        var parts = SnapshotFile.PartsOf(SnapshotSamples.Small(7)).ToList();

        parts.Should().ContainSingle().Which.Sequence.Should().Be(7);
    }

    [Fact]
    public async Task WriteAsync_WritesTheSameBytesAsWrite_AndCountsTheTasks()
    {
        var snapshot = SnapshotSamples.Many(2500);
        using var streamed = new MemoryStream();

        var (bytes, tasks) = await SnapshotFile.WriteAsync(streamed, SnapshotFile.PartsOf(snapshot).ToAsyncEnumerable());

        tasks.Should().Be(2500);
        bytes.Should().Be(streamed.Length);
        streamed.ToArray().Should().Equal(SnapshotSamples.FileBytes(snapshot));
    }

    [Fact]
    public async Task WriteAsync_Refuses_WhenThereIsNoPart()
    {
        using var stream = new MemoryStream();

        var act = () => SnapshotFile.WriteAsync(stream, AsyncEnumerable.Empty<StoreSnapshot>());

        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage("*at least one part*");
    }

    [Fact]
    public void Read_JoinsThePartsInOrder()
    {
        var snapshot = SnapshotSamples.Many(2500);

        var read = SnapshotSamples.Read(SnapshotSamples.FileBytes(snapshot)).Snapshot;

        read.Should().BeEquivalentTo(snapshot, o => o.WithStrictOrdering());
    }

    [Fact]
    public void Read_ReadsAVersion1File_WhoseBodyIsTheWholeSnapshotInOnePart()
    {
        var snapshot = SnapshotSamples.Many(2500);
        var file = SnapshotSamples.FileWithBody(MessagePackSerializer.Serialize(snapshot, SnapshotFile.Options), version: 1);

        SnapshotSamples.Read(file).Snapshot.Should().BeEquivalentTo(snapshot, o => o.WithStrictOrdering());
    }

    [Fact]
    public void Read_RefusesAVersion1File_WithASecondPart()
    {
        var part = MessagePackSerializer.Serialize(SnapshotSamples.Small(1), SnapshotFile.Options);
        var file = SnapshotSamples.FileWithBody([.. part, .. part], version: 1);

        var error = SnapshotSamples.Read(file).Error!;

        error.Kind.Should().Be(SnapshotFileErrorKind.UndecodableBody);
        error.Message.Should().Contain("bytes follow the snapshot");
    }

    [Fact]
    public void Read_RefusesAsUndecodable_NamingThePart_WhenALaterPartIsNotASnapshot()
    {
        var body = MessagePackSerializer.Serialize(SnapshotSamples.Small(1), SnapshotFile.Options)
            .Concat(MessagePackSerializer.Serialize("not a part")).ToArray();

        var error = SnapshotSamples.Read(SnapshotSamples.FileWithBody(body, version: 2)).Error!;

        error.Kind.Should().Be(SnapshotFileErrorKind.UndecodableBody);
        error.Message.Should().Contain("part 2 does not decode");
    }

    [Fact]
    public async Task DirectoryWriteAsync_LeavesThePreviousSnapshotAndNoTempFile_WhenThePartsFailMidway()
    {
        using var fixture = new SnapshotDirectoryFixture();
        var good = fixture.Directory.Write(SnapshotSamples.Many(10));
        fixture.Time.Advance(TimeSpan.FromSeconds(1));

        var act = () => fixture.Directory.WriteAsync(FailAfterFirstPart(SnapshotSamples.Many(3000)));

        (await act.Should().ThrowAsync<IOException>()).WithMessage("the store went away");
        fixture.FileNames().Should().Equal(Path.GetFileName(good.Path));
        fixture.Directory.ReadNewestValid().Snapshot!.Tasks.Should().HaveCount(10);
    }

    [Fact]
    public async Task DirectoryWriteAsync_WritesAFileReadBackWhole_FromParts()
    {
        using var fixture = new SnapshotDirectoryFixture();
        var snapshot = SnapshotSamples.Many(2500);

        var written = await fixture.Directory.WriteAsync(SnapshotFile.PartsOf(snapshot).ToAsyncEnumerable());

        written.Tasks.Should().Be(2500);
        fixture.Directory.ReadNewestValid().Snapshot.Should().BeEquivalentTo(snapshot, o => o.WithStrictOrdering());
    }

    private static async IAsyncEnumerable<StoreSnapshot> FailAfterFirstPart(StoreSnapshot snapshot)
    {
        yield return SnapshotFile.PartsOf(snapshot).First();
        await Task.Yield();
        throw new IOException("the store went away");
    }
}
