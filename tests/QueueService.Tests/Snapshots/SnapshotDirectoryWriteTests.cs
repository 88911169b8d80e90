using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using QueueService.Snapshots;

namespace QueueService.Tests.Snapshots;

public sealed class SnapshotDirectoryWriteTests
{
    [Fact]
    public void Write_PutsAWholeSnapshotInPlace_NamedByUtcTimeToTheMillisecond()
    {
        using var fixture = new SnapshotDirectoryFixture();
        var snapshot = SnapshotSamples.Many(10);

        var written = fixture.Directory.Write(snapshot);

        written.Path.Should().Be(fixture.Folder["snapshot-20261123T104501123Z.rqsnap"]);
        written.Bytes.Should().Be(new FileInfo(written.Path).Length);
        written.Tasks.Should().Be(10);
        written.Duration.Should().BeGreaterThanOrEqualTo(TimeSpan.Zero);
        fixture.FileNames().Should().Equal("snapshot-20261123T104501123Z.rqsnap");
        SnapshotFile.Read(File.OpenRead(written.Path)).Snapshot.Should().BeEquivalentTo(snapshot, o => o.WithStrictOrdering());
    }

    [Fact]
    public void Write_LogsTheFileTasksBytesAndDuration_AsProperties()
    {
        using var fixture = new SnapshotDirectoryFixture();

        var written = fixture.Directory.Write(SnapshotSamples.Many(3));

        var entry = fixture.Logged(LogLevel.Information).Should().ContainSingle().Subject;
        entry.Properties.Should().Contain("File", Path.GetFileName(written.Path))
            .And.Contain("Tasks", 3).And.Contain("Bytes", written.Bytes).And.ContainKey("ElapsedMs");
    }

    [Fact]
    public void Write_GivesEveryFileANewNameInWriteOrder_WhenWritesShareAMillisecond()
    {
        using var fixture = new SnapshotDirectoryFixture();

        var paths = Enumerable.Range(1, 3).Select(i => fixture.Directory.Write(SnapshotSamples.Small(i)).Path).ToList();

        paths.Select(Path.GetFileName).Should().Equal(
            "snapshot-20261123T104501123Z.rqsnap", "snapshot-20261123T104501124Z.rqsnap", "snapshot-20261123T104501125Z.rqsnap");
        fixture.Directory.ReadNewestValid().Snapshot!.Sequence.Should().Be(3);
    }

    [Fact]
    public void Write_NamesFilesInTheOrderWritten_WhenTheClockStepsBack_AndKeepsTheOneJustWritten()
    {
        using var folder = new TempFolder();
        var clock = new SteppingClock { Now = SnapshotDirectoryFixture.Start };
        var directory = new SnapshotDirectory(folder.Path, NullLogger<SnapshotDirectory>.Instance, clock, keep: 1);
        directory.Write(SnapshotSamples.Small(1));
        clock.Now = SnapshotDirectoryFixture.Start.AddHours(-1); // NTP stepped the clock back

        var written = directory.Write(SnapshotSamples.Small(2));

        Path.GetFileName(written.Path).Should().Be("snapshot-20261123T104501124Z.rqsnap", "a name is never older than the newest one here");
        System.IO.Directory.GetFiles(folder.Path).Should().Equal(written.Path);
        directory.ReadNewestValid().Snapshot!.Sequence.Should().Be(2);
    }

    /// <summary>A clock that can be set backwards, which <c>FakeTimeProvider</c> refuses.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Write_NamesFilesThatSortByTime_AsTheClockAdvances()
    {
        using var fixture = new SnapshotDirectoryFixture();
        var names = new List<string>();
        foreach (var step in new[] { TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(59), TimeSpan.FromHours(13), TimeSpan.FromDays(40) })
        {
            fixture.Time.Advance(step);
            names.Add(Path.GetFileName(fixture.Directory.Write(SnapshotSamples.Small(names.Count)).Path));
        }

        names.Should().BeInAscendingOrder(StringComparer.Ordinal);
        names.Last().Should().Be($"snapshot-{fixture.Time.GetUtcNow().UtcDateTime:yyyyMMdd'T'HHmmssfff'Z'}.rqsnap");
    }

    [Fact]
    public void Write_CreatesTheFileReadableByItsOwnerOnly()
    {
        if (OperatingSystem.IsWindows()) return; // Unix modes only; Windows files inherit the folder's ACL
        using var fixture = new SnapshotDirectoryFixture();
        System.IO.Directory.Delete(fixture.Folder.Path);

        var written = fixture.Directory.Write(SnapshotSamples.Small(1));

        File.GetUnixFileMode(written.Path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.GetUnixFileMode(fixture.Folder.Path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            "the folder it creates holds task payloads too");
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(3, 5)]
    [InlineData(SnapshotDirectory.DefaultKeep, 8)]
    public void Write_KeepsTheNewestN_AndDeletesOlderSnapshots(int keep, int writes)
    {
        using var fixture = new SnapshotDirectoryFixture(keep);
        var names = new List<string>();
        for (var i = 0; i < writes; i++)
        {
            fixture.Time.Advance(TimeSpan.FromMinutes(5));
            names.Add(Path.GetFileName(fixture.Directory.Write(SnapshotSamples.Small(i)).Path));
        }

        fixture.FileNames().Should().Equal(names.TakeLast(keep));
        fixture.Logged(LogLevel.Information).Count(e => e.Message.StartsWith("Snapshot rotated out", StringComparison.Ordinal))
            .Should().Be(writes - keep);
    }

    [Fact]
    public void Write_NeverRotatesOutFilesThatAreNotSnapshotNames()
    {
        using var fixture = new SnapshotDirectoryFixture(keep: 1);
        string[] strangers =
        [
            "notes.txt", "snapshot-latest.rqsnap", "snapshot-20261399T000000000Z.rqsnap", // month 13
            "snapshot-20201123T104501123Z.rqsnap.bak", "Snapshot-20201123T104501123Z.rqsnap", "snapshot-20201123T104501123Z.RQSNAP",
        ];
        foreach (var name in strangers) File.WriteAllText(fixture.Folder[name], name);
        var older = fixture.Place(SnapshotDirectoryFixture.Start.AddDays(-1), SnapshotSamples.FileBytes(SnapshotSamples.Small(0)));

        var written = fixture.Directory.Write(SnapshotSamples.Small(1));

        fixture.FileNames().Should().BeEquivalentTo([.. strangers, Path.GetFileName(written.Path)]);
        fixture.FileNames().Should().NotContain(older);
    }

    [Fact]
    public void Write_LeavesThePreviousSnapshotAlone_WhenTheWriteFailsMidway()
    {
        var failNextWrite = false;
        using var fixture = new SnapshotDirectoryFixture(keep: 1,
            wrapWrite: stream => failNextWrite ? new FaultyStream(stream, failAfterBytes: 4096) : stream);
        var previous = fixture.Directory.Write(SnapshotSamples.Small(1));
        var previousBytes = File.ReadAllBytes(previous.Path);
        failNextWrite = true;
        fixture.Time.Advance(TimeSpan.FromMinutes(5));

        var act = () => fixture.Directory.Write(SnapshotSamples.Many(5_000));

        act.Should().Throw<IOException>().WithMessage("Injected failure*");
        fixture.FileNames().Should().Equal(Path.GetFileName(previous.Path)); // no temp file left, nothing rotated
        File.ReadAllBytes(previous.Path).Should().Equal(previousBytes);
        fixture.Directory.ReadNewestValid().Snapshot!.Sequence.Should().Be(1);
    }

    [Fact]
    public void Write_LeavesNothingBehind_WhenCancelledBeforeItStarts()
    {
        using var fixture = new SnapshotDirectoryFixture();
        var previous = fixture.Directory.Write(SnapshotSamples.Small(1));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var act = () => fixture.Directory.Write(SnapshotSamples.Small(2), cancelled.Token);

        act.Should().Throw<OperationCanceledException>();
        fixture.FileNames().Should().Equal(Path.GetFileName(previous.Path));
    }

    [Fact]
    public void ReadNewestValid_IgnoresTheTempFileOfAKilledWriter_AndTheNextWriteRemovesItOnceStale()
    {
        using var fixture = new SnapshotDirectoryFixture();
        var previous = fixture.Directory.Write(SnapshotSamples.Small(1));
        // A writer killed halfway: its temp file holds the first half of a newer snapshot.
        var half = SnapshotSamples.FileBytes(SnapshotSamples.Many(1_000));
        const string temp = "snapshot-20261123T104502000Z.rqsnap.0badf00d.tmp";
        File.WriteAllBytes(fixture.Folder[temp], half[..(half.Length / 2)]);
        File.SetLastWriteTimeUtc(fixture.Folder[temp], fixture.Time.GetUtcNow().UtcDateTime);

        var recovery = fixture.Directory.ReadNewestValid();

        recovery.Snapshot!.Sequence.Should().Be(1);
        recovery.Path.Should().Be(previous.Path);
        recovery.Rejected.Should().BeEmpty("a temp file is not a snapshot, whole or not");
        fixture.QuarantinedNames().Should().BeEmpty();

        fixture.Time.Advance(SnapshotDirectory.StaleTempAge - TimeSpan.FromSeconds(1));
        fixture.Directory.Write(SnapshotSamples.Small(2));
        fixture.FileNames().Should().Contain(temp, "it may still belong to a slow write in another process");

        fixture.Time.Advance(TimeSpan.FromSeconds(2));
        fixture.Directory.Write(SnapshotSamples.Small(3));
        fixture.FileNames().Should().NotContain(temp);
        fixture.Logged(LogLevel.Warning).Should().Contain(e => (string?)e.Properties["File"] == temp);
    }

    [Fact]
    public void Write_RemovesOnlyItsOwnStaleTempFiles()
    {
        using var fixture = new SnapshotDirectoryFixture();
        string[] notOurs = ["other.tmp", "snapshot-x.tmp", "snapshot-20261123T104501123Z.rqsnap.ZZZZZZZZ.tmp", "snapshot-20261123T104501123Z.rqsnap.tmp"];
        const string ours = "snapshot-20261123T090000000Z.rqsnap.00c0ffee.tmp";
        foreach (var name in notOurs.Append(ours))
        {
            File.WriteAllText(fixture.Folder[name], "partial");
            File.SetLastWriteTimeUtc(fixture.Folder[name], fixture.Time.GetUtcNow().UtcDateTime.AddDays(-1));
        }

        var written = fixture.Directory.Write(SnapshotSamples.Small(1));

        fixture.FileNames().Should().BeEquivalentTo([.. notOurs, Path.GetFileName(written.Path)]);
    }

    [Fact]
    public void Constructor_RefusesToKeepFewerThanOneSnapshot_OrAnEmptyPath()
    {
        var keepNone = () => new SnapshotDirectory("backups", NullLogger<SnapshotDirectory>.Instance, TimeProvider.System, keep: 0);
        var noPath = () => new SnapshotDirectory(" ", NullLogger<SnapshotDirectory>.Instance, TimeProvider.System);

        keepNone.Should().Throw<ArgumentOutOfRangeException>();
        noPath.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Constructor_ResolvesARelativePath_AndCreatesNothing()
    {
        var directory = new SnapshotDirectory("backups-not-created", NullLogger<SnapshotDirectory>.Instance, TimeProvider.System);

        directory.DirectoryPath.Should().Be(Path.Combine(System.IO.Directory.GetCurrentDirectory(), "backups-not-created"));
        directory.QuarantinePath.Should().Be(Path.Combine(directory.DirectoryPath, "quarantine"));
        directory.Keep.Should().Be(5);
        System.IO.Directory.Exists(directory.DirectoryPath).Should().BeFalse();
    }
}
