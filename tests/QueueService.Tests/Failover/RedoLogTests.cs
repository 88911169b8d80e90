using MessagePack;
using Microsoft.Extensions.Logging;
using QueueService.Stores.Failover;
using QueueService.Tasks;
using QueueService.Tests.Support;

namespace QueueService.Tests.Failover;

/// <summary>The redo log on real files: what it keeps, across restarts, damage, compaction and a failing disk.</summary>
public sealed class RedoLogTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "rq-redo-" + Guid.NewGuid().ToString("N"), "failover", "redo");
    private readonly ListLogger<RedoLog> _log = new();
    private readonly List<RedoLog> _opened = [];
    private static readonly DateTimeOffset At = new DateTimeOffset(2026, 11, 23, 20, 0, 0, TimeSpan.Zero).AddTicks(4321);

    public void Dispose()
    {
        foreach (var log in _opened) log.DisposeAsync().AsTask().GetAwaiter().GetResult();
        var root = Path.GetDirectoryName(Path.GetDirectoryName(_folder))!;
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private RedoLog Open(FailoverOptions? options = null)
    {
        var log = RedoLog.Open(_folder, options ?? new FailoverOptions(), TimeProvider.System, _log);
        _opened.Add(log);
        return log;
    }

    private static JournalEntry Enqueued(string id, int n = 0) =>
        new(JournalEntryKind.Enqueued, id, At.AddSeconds(n), new NewTask("alpha", $$"""{"n":{{n}}}""") { Id = id, Priority = n % 100 });

    [Fact]
    public async Task Append_ReadsBackEveryKindAndFieldInOrder_WhenReadAll()
    {
        var log = Open();
        JournalEntry[] written =
        [
            Enqueued("t-1", 1) with { Task = new NewTask("alpha", "{}") { Id = "t-1", Priority = 7, MaxRetries = 2, RunAt = At.AddHours(1) } },
            new(JournalEntryKind.Started, "t-1", At.AddSeconds(2), Attempt: 1, WorkerId: "worker-a", LeaseToken: 42),
            new(JournalEntryKind.Cancelled, "t-1", At.AddSeconds(3)),
            new(JournalEntryKind.Retried, "t-1", At.AddSeconds(4)),
        ];
        log.Append(written[0]);
        log.Append(written[1..]);

        var read = await log.ReadAllAsync();

        read.Should().Equal(written, "records compare by value, the Started fields and the task included");
        log.AppendedCount.Should().Be(4);
        log.WriteErrorCount.Should().Be(0);
    }

    [Fact]
    public async Task Open_KeepsTheSegmentsAnEarlierProcessLeft_WhenReopenedWithoutAnOrderlyClose()
    {
        var first = Open();
        first.Append(Enqueued("t-1", 1));
        first.Append(Enqueued("t-2", 2));
        // Not disposed: a kill -9 leaves the segment as the OS has it (each append is one write, no fsync needed for that).

        var second = Open();
        second.Append(Enqueued("t-3", 3));

        second.Segments.Should().HaveCount(2, "the restart opens a segment of its own and truncates none");
        (await second.ReadAllAsync()).Select(e => e.TaskId).Should().Equal("t-1", "t-2", "t-3");
    }

    [Fact]
    public async Task ReadAllAsync_UsesTheEntriesBeforeATornTail_WhenASegmentEndsMidRecord()
    {
        var first = Open();
        first.Append([Enqueued("t-1", 1), Enqueued("t-2", 2)]);
        await first.DisposeAsync();
        var segment = first.Segments.Single();
        // A power cut mid-write: a frame promising 200 bytes, and 3 of them.
        await using (var file = new FileStream(segment, FileMode.Append)) file.Write([200, 0, 0, 0, 1, 2, 3, 4, 9, 9, 9]);

        var second = Open();
        var read = await second.ReadAllAsync();

        read.Select(e => e.TaskId).Should().Equal("t-1", "t-2");
        _log.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains(segment, StringComparison.Ordinal) && e.Message.Contains("cut short", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BackupWritten_KeepsTheTwoNewestGenerations_WhenBackupsFollowEachOther()
    {
        var log = Open();
        log.Append(Enqueued("before-1"));
        log.BackupStarting();
        log.Append(Enqueued("during-1"));
        log.BackupWritten();
        (await log.ReadAllAsync()).Select(e => e.TaskId).Should().Equal(["before-1", "during-1"], "the first backup knows no earlier one: nothing is deleted");

        log.BackupStarting();
        log.Append(Enqueued("during-2"));
        log.BackupWritten();
        (await log.ReadAllAsync()).Select(e => e.TaskId).Should().Equal(["during-1", "during-2"],
            "snapshot 2 is written: what came before snapshot 1 started goes; since snapshot 1 stays, for a restore that falls back to it");

        log.BackupStarting(); // a backup that failed: never written
        log.Append(Enqueued("during-3"));
        log.BackupStarting();
        log.Append(Enqueued("during-4"));
        log.BackupWritten();
        (await log.ReadAllAsync()).Select(e => e.TaskId).Should().Equal(["during-2", "during-3", "during-4"],
            "the failed backup is no generation: everything since snapshot 2, the one before the newest written, stays");
        log.Segments.Should().HaveCount(3);
    }

    [Fact]
    public async Task Append_DeletesTheOldestSegments_WhenNoBackupCompactsTheLogAndItOutgrowsRedoMaxBytes()
    {
        const long maxBytes = 64 * 1024;
        var log = Open(new FailoverOptions { RedoMaxBytes = maxBytes });
        const int count = 3_000; // about 55 bytes each: two and a half times the limit, as a replica that never holds the backup lock writes

        for (var i = 0; i < count; i++) log.Append(Enqueued($"t-{i}", i));

        var sizes = log.Segments.Select(path => new FileInfo(path).Length).ToList();
        sizes.Sum().Should().BeGreaterThan(maxBytes / 2, "only what is over the limit goes")
            .And.BeLessThanOrEqualTo(maxBytes + maxBytes / 8 + 1024, "trimmed at each cut, it never holds much more than the limit");
        sizes.Should().HaveCountGreaterThan(2, "segments are cut at an eighth of the limit");
        var ids = (await log.ReadAllAsync()).Select(e => e.TaskId).ToList();
        ids.Should().NotContain("t-0", "the oldest segments are deleted")
            .And.EndWith("t-2999", "the newest entries stay");
        var first = int.Parse(ids[0]["t-".Length..], System.Globalization.CultureInfo.InvariantCulture);
        ids.Should().Equal(Enumerable.Range(first, count - first).Select(i => $"t-{i}"), "whole segments go, oldest first: what stays is the unbroken tail");
        _log.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains("its oldest segment", StringComparison.Ordinal)
            && e.Message.Contains("has written no backup since it started", StringComparison.Ordinal));
        _log.Entries.Should().NotContain(e => e.Level >= LogLevel.Error);
        log.AppendedCount.Should().Be(count);
        log.WriteErrorCount.Should().Be(0);
    }

    [Fact]
    public async Task Append_DeletesNothing_WhenBackupsKeepTheLogUnderRedoMaxBytes()
    {
        var log = Open(new FailoverOptions { RedoMaxBytes = 64 * 1024 });
        // More than the limit in all, about 13 KB between backups: a segment is cut inside each generation too (at 8 KiB),
        // and compaction still keeps exactly the two newest generations, under the limit.
        for (var backup = 0; backup < 10; backup++)
        {
            log.BackupStarting();
            for (var i = 0; i < 240; i++) log.Append(Enqueued($"b{backup}-{i}", i));
            log.BackupWritten();
        }

        log.Segments.Should().HaveCountGreaterThanOrEqualTo(4, "two generations, each cut at least once by size");
        log.Segments.Select(path => new FileInfo(path).Length).Sum().Should().BeLessThan(64 * 1024);
        (await log.ReadAllAsync()).Select(e => e.TaskId).Should().Equal(
            Enumerable.Range(8, 2).SelectMany(b => Enumerable.Range(0, 240).Select(i => $"b{b}-{i}")), "backups compact to the two newest generations");
        _log.Entries.Should().NotContain(e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task Append_KeepsTheNewestEntries_WhenOneBatchAloneIsLargerThanRedoMaxBytes()
    {
        var log = Open(new FailoverOptions { RedoMaxBytes = 64 * 1024 });
        log.Append([.. Enumerable.Range(0, 500).Select(i => Enqueued($"old-{i}", i))]);
        var batch = Enumerable.Range(0, 2_000).Select(i => Enqueued($"new-{i}", i)).ToList(); // about 110 KB in one write

        log.Append(batch);

        (await log.ReadAllAsync()).Select(e => e.TaskId).Should().Equal(batch.Select(e => e.TaskId),
            "the oldest segment goes to make room, never the one holding the newest entries");
        _log.Entries.Should().ContainSingle(e => e.Level == LogLevel.Warning && e.Message.Contains("its oldest segment", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Append_SaysTheNewestBackupNeedsTheSegment_WhenMoreThanTheBoundIsWrittenSinceABackupBegan()
    {
        var log = Open(new FailoverOptions { RedoMaxBytes = 64 * 1024 });
        log.BackupStarting();
        log.BackupWritten();

        for (var i = 0; i < 3_000; i++) log.Append(Enqueued($"t-{i}", i));

        (await log.ReadAllAsync()).Select(e => e.TaskId).Should().EndWith("t-2999").And.NotContain("t-0");
        _log.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains("though the newest backup needs it", StringComparison.Ordinal)
            && e.Message.Contains("back up more often", StringComparison.Ordinal));
        _log.Entries.Should().NotContain(e => e.Message.Contains("has written no backup", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Append_LogsAnErrorAndReturns_WhenTheWriteFails()
    {
        var log = Open();
        log.Append(Enqueued("t-1", 1));
        log.InjectWriteFault = _ => true;

        var failing = () => log.Append([Enqueued("t-2", 2), Enqueued("t-3", 3)]);

        failing.Should().NotThrow("the change stands in Redis; the redo log only backs it up");
        log.Append(Enqueued("t-4", 4));
        log.WriteErrorCount.Should().Be(3);
        _log.Entries.Should().ContainSingle(e => e.Level == LogLevel.Error, "one Error for a run of failures, not one per append");
        log.InjectWriteFault = null;
        log.Append(Enqueued("t-5", 5));
        (await log.ReadAllAsync()).Select(e => e.TaskId).Should().Equal(["t-1", "t-5"], "the half-written record was cut back, so what follows it reads");
        _log.Entries.Should().Contain(e => e.Level == LogLevel.Information && e.Message.Contains("writing again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Append_LogsAnErrorAndReturns_WhenTheFolderCannotBeWritten()
    {
        // A file where the log's folder should be: no segment can be created.
        Directory.CreateDirectory(Path.GetDirectoryName(_folder)!);
        await File.WriteAllTextAsync(_folder, "not a folder");
        var log = Open();

        log.Append(Enqueued("t-1"));

        log.WriteErrorCount.Should().Be(1);
        _log.Entries.Should().ContainSingle(e => e.Level == LogLevel.Error);
        File.Delete(_folder);
        log.Append(Enqueued("t-2"));
        (await log.ReadAllAsync()).Select(e => e.TaskId).Should().Equal(["t-2"], "the next append creates the segment once the folder can be");
    }

    [Fact]
    public void Decode_ReadsARecordWrittenBeforeStartedExisted_WhenItHasOnlyTheFirstFiveKeys()
    {
        // The body an earlier build wrote: an array of 5 (kind, id, ticks, offset, task = nil).
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(5);
        writer.Write((int)JournalEntryKind.Cancelled);
        writer.Write("t-1");
        writer.Write(At.UtcTicks);
        writer.Write((short)0);
        writer.WriteNil();
        writer.Flush();

        var entry = JournalCodec.TryDecode(buffer.WrittenMemory, out var problem);

        problem.Should().BeNull();
        entry.Should().Be(new JournalEntry(JournalEntryKind.Cancelled, "t-1", At));
    }

    [Fact]
    public void Encode_RefusesAStartedEntry_WhenItLacksItsLease()
    {
        var entry = new JournalEntry(JournalEntryKind.Started, "t-1", At, Attempt: 1, WorkerId: "w");

        var encode = () => JournalCodec.Encode(entry);

        encode.Should().Throw<ArgumentException>().WithMessage("*attempt*worker*lease token*");
    }
}
