using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Logging;
using QueueService.Snapshots;

namespace QueueService.Tests.Snapshots;

public sealed class SnapshotDirectoryReadTests
{
    [Fact]
    public void ReadNewestValid_FindsNothing_WhenTheFolderDoesNotExist()
    {
        using var fixture = new SnapshotDirectoryFixture();
        System.IO.Directory.Delete(fixture.Folder.Path);

        var recovery = fixture.Directory.ReadNewestValid();

        recovery.IsFound.Should().BeFalse();
        recovery.Snapshot.Should().BeNull();
        recovery.Path.Should().BeNull();
        recovery.Rejected.Should().BeEmpty();
        System.IO.Directory.Exists(fixture.Folder.Path).Should().BeFalse("reading creates nothing");
    }

    [Fact]
    public void ReadNewestValid_FindsNothing_AndTouchesNothing_WhenNoFileIsNamedLikeASnapshot()
    {
        using var fixture = new SnapshotDirectoryFixture();
        var whole = SnapshotSamples.FileBytes(SnapshotSamples.Small(1));
        File.WriteAllBytes(fixture.Folder["notes.rqsnap"], whole);
        File.WriteAllBytes(fixture.Folder["snapshot-20261123T104501123Z.rqsnap.0badf00d.tmp"], whole);

        var recovery = fixture.Directory.ReadNewestValid();

        recovery.IsFound.Should().BeFalse();
        fixture.FileNames().Should().HaveCount(2);
        fixture.QuarantinedNames().Should().BeEmpty();
    }

    [Fact]
    public void ReadNewestValid_ReturnsTheNewest_AndLogsIt_WhenAllAreValid()
    {
        using var fixture = new SnapshotDirectoryFixture();
        for (var i = 1; i <= 3; i++)
        {
            fixture.Time.Advance(TimeSpan.FromMinutes(5));
            fixture.Directory.Write(SnapshotSamples.Many(i));
        }

        var recovery = fixture.Directory.ReadNewestValid();

        recovery.IsFound.Should().BeTrue();
        recovery.Snapshot!.Tasks.Should().HaveCount(3);
        recovery.Path.Should().Be(fixture.Folder["snapshot-20261123T110001123Z.rqsnap"]);
        recovery.Bytes.Should().Be(new FileInfo(recovery.Path!).Length);
        recovery.Rejected.Should().BeEmpty();
        fixture.FileNames().Should().HaveCount(3);
        fixture.Logged(LogLevel.Information).Should().Contain(e => e.Message.StartsWith("Snapshot read: snapshot-20261123T110001123Z.rqsnap, 3 tasks", StringComparison.Ordinal));
    }

    public static TheoryData<string, SnapshotFileErrorKind> BadFiles => new()
    {
        { "empty", SnapshotFileErrorKind.Empty },
        { "cut in the header", SnapshotFileErrorKind.TruncatedHeader },
        { "PNG", SnapshotFileErrorKind.Foreign },
        { "JSON", SnapshotFileErrorKind.Foreign },
        { "bit flipped in the header", SnapshotFileErrorKind.CorruptHeader },
        { "future version", SnapshotFileErrorKind.FutureVersion },
        { "cut in the body", SnapshotFileErrorKind.TruncatedBody },
        { "appended to", SnapshotFileErrorKind.TrailingData },
        { "bit flipped in the body", SnapshotFileErrorKind.ChecksumMismatch },
        { "verified body of another shape", SnapshotFileErrorKind.UndecodableBody },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void ReadNewestValid_QuarantinesABadNewestFile_AndReturnsTheOlderGoodOne(string bad, SnapshotFileErrorKind kind)
    {
        using var fixture = new SnapshotDirectoryFixture();
        var good = fixture.Directory.Write(SnapshotSamples.Small(1));
        var badBytes = BadFile(bad);
        var badName = fixture.Place(SnapshotDirectoryFixture.Start.AddMinutes(5), badBytes);

        var recovery = fixture.Directory.ReadNewestValid();

        recovery.Snapshot!.Sequence.Should().Be(1);
        recovery.Path.Should().Be(good.Path);
        var rejected = recovery.Rejected.Should().ContainSingle().Subject;
        rejected.FileName.Should().Be(badName);
        rejected.Error.Kind.Should().Be(kind);
        rejected.QuarantinedAs.Should().Be(Path.Combine(fixture.Directory.QuarantinePath, badName));
        File.ReadAllBytes(rejected.QuarantinedAs!).Should().Equal(badBytes, "a refused file is moved, never changed or deleted");
        fixture.FileNames().Should().Equal(Path.GetFileName(good.Path));
        var logged = fixture.Logged(LogLevel.Error).Should().ContainSingle().Subject;
        logged.Properties.Should().Contain("File", badName).And.Contain("Reason", kind).And.Contain("Detail", rejected.Error.Message);
        logged.Message.Should().Contain(badName).And.Contain(kind.ToString()).And.Contain("quarantine");
    }

    [Fact]
    public void ReadNewestValid_TriesOlderFilesInTurn_AndListsTheRefusedNewestFirst()
    {
        using var fixture = new SnapshotDirectoryFixture();
        fixture.Place(SnapshotDirectoryFixture.Start.AddMinutes(-10), SnapshotSamples.FileBytes(SnapshotSamples.Small(1)));
        var good = fixture.Place(SnapshotDirectoryFixture.Start.AddMinutes(-5), SnapshotSamples.FileBytes(SnapshotSamples.Small(2)));
        var empty = fixture.Place(SnapshotDirectoryFixture.Start, []);
        var foreign = fixture.Place(SnapshotDirectoryFixture.Start.AddMinutes(5), BadFile("PNG"));

        var recovery = fixture.Directory.ReadNewestValid();

        recovery.Snapshot!.Sequence.Should().Be(2);
        recovery.Path.Should().Be(fixture.Folder[good]);
        recovery.Rejected.Select(r => (r.FileName, r.Error.Kind)).Should().Equal(
            (foreign, SnapshotFileErrorKind.Foreign), (empty, SnapshotFileErrorKind.Empty));
        fixture.QuarantinedNames().Should().Equal(empty, foreign);
        fixture.FileNames().Should().HaveCount(2, "the valid older snapshot is left where it is");
    }

    [Fact]
    public void ReadNewestValid_QuarantinesEveryFile_AndFindsNothing_WhenAllAreBad()
    {
        using var fixture = new SnapshotDirectoryFixture();
        string[] kinds = ["JSON", "empty", "bit flipped in the body"];
        var names = kinds.Select((bad, i) => fixture.Place(SnapshotDirectoryFixture.Start.AddMinutes(i), BadFile(bad))).ToList();

        var recovery = fixture.Directory.ReadNewestValid();

        recovery.IsFound.Should().BeFalse();
        recovery.Rejected.Should().HaveCount(3);
        fixture.FileNames().Should().BeEmpty();
        fixture.QuarantinedNames().Should().BeEquivalentTo(names);
        fixture.Logged(LogLevel.Warning).Should().Contain(e => e.Message.Contains("No valid snapshot", StringComparison.Ordinal));
    }

    [Fact]
    public void ReadNewestValid_NeverOverwritesAQuarantinedFile_WhenTheSameNameIsRefusedAgain()
    {
        using var fixture = new SnapshotDirectoryFixture();
        var at = SnapshotDirectoryFixture.Start;
        var name = fixture.Place(at, Encoding.UTF8.GetBytes("first"));
        fixture.Directory.ReadNewestValid();
        fixture.Place(at, Encoding.UTF8.GetBytes("second"));
        fixture.Directory.ReadNewestValid();
        fixture.Place(at, Encoding.UTF8.GetBytes("third"));

        var recovery = fixture.Directory.ReadNewestValid();

        var stem = Path.GetFileNameWithoutExtension(name);
        fixture.QuarantinedNames().Should().Equal(name, $"{stem}~1.rqsnap", $"{stem}~2.rqsnap");
        File.ReadAllText(Path.Combine(fixture.Directory.QuarantinePath, name)).Should().Be("first");
        File.ReadAllText(Path.Combine(fixture.Directory.QuarantinePath, $"{stem}~2.rqsnap")).Should().Be("third");
        recovery.Rejected.Single().QuarantinedAs.Should().EndWith($"{stem}~2.rqsnap");
    }

    [Fact]
    public void ReadNewestValid_TreatsAnIOErrorAsAnUnreadableFile_AndGoesOnToTheOlderOne()
    {
        const string failing = "snapshot-20261123T110000000Z.rqsnap";
        using var fixture = new SnapshotDirectoryFixture(wrapRead: stream =>
            ((FileStream)stream).Name.EndsWith(failing, StringComparison.Ordinal) ? new FaultyStream(stream, failAfterBytes: 40) : stream);
        fixture.Directory.Write(SnapshotSamples.Small(1));
        File.WriteAllBytes(fixture.Folder[failing], SnapshotSamples.FileBytes(SnapshotSamples.Small(2)));

        var recovery = fixture.Directory.ReadNewestValid();

        recovery.Snapshot!.Sequence.Should().Be(1);
        var rejected = recovery.Rejected.Should().ContainSingle().Subject;
        rejected.Error.Kind.Should().Be(SnapshotFileErrorKind.Unreadable);
        rejected.Error.Message.Should().Contain("IOException").And.Contain("Injected failure");
        fixture.QuarantinedNames().Should().Equal(failing);
    }

    [Fact]
    public void Write_IgnoresQuarantinedFiles_WhenNamingAndRotating()
    {
        using var fixture = new SnapshotDirectoryFixture(keep: 1);
        fixture.Place(SnapshotDirectoryFixture.Start.AddDays(1), []);
        fixture.Directory.ReadNewestValid();

        var written = fixture.Directory.Write(SnapshotSamples.Small(1));

        Path.GetFileName(written.Path).Should().Be("snapshot-20261123T104501123Z.rqsnap", "a name in quarantine does not push names forward");
        fixture.QuarantinedNames().Should().ContainSingle("rotation never reaches into quarantine");
    }

    /// <summary>Bytes of one kind of bad file; the good ones come from <see cref="SnapshotFile.Write"/>.</summary>
    private static byte[] BadFile(string bad)
    {
        var whole = SnapshotSamples.FileBytes(SnapshotSamples.Many(50));
        switch (bad)
        {
            case "empty": return [];
            case "cut in the header": return whole[..20];
            case "PNG": return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52];
            case "JSON": return Encoding.UTF8.GetBytes("{\"tasks\":[]}");
            case "bit flipped in the header": return SnapshotSamples.FlipBit(whole, 15 * 8 + 3);
            case "cut in the body": return whole[..(whole.Length / 2)];
            case "appended to": return [.. whole, 0x0A];
            case "bit flipped in the body": return SnapshotSamples.FlipBit(whole, (whole.Length - 1) * 8);
            case "verified body of another shape": return SnapshotSamples.FileWithBody([0x92, 0x01, 0x02]);
            case "future version":
                var future = SnapshotSamples.FileWithBody(whole[32..], version: (ushort)(SnapshotFile.FormatVersion + 1));
                BinaryPrimitives.ReadUInt16LittleEndian(future.AsSpan(10)).Should().Be(3);
                return future;
            default: throw new ArgumentOutOfRangeException(nameof(bad), bad, null);
        }
    }
}
