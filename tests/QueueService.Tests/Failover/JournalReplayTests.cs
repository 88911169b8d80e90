using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using QueueService.Stores.Failover;

namespace QueueService.Tests.Failover;

public sealed class JournalReplayTests : IDisposable
{
    private readonly JournalFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task OpenAsync_KeepsTheEarlierEntriesAndCutsTheTail_WhenTheFileEndsAnywhereInsideTheLastRecord()
    {
        var lengths = await WriteAsync(5);
        var whole = await File.ReadAllBytesAsync(_folder.JournalPath);
        var lastStart = lengths[^2];

        for (var cut = lastStart + 1; cut < whole.Length; cut++)
        {
            await File.WriteAllBytesAsync(_folder.JournalPath, whole.AsMemory(0, (int)cut).ToArray());
            var logs = new Support.ListLogger<FailoverJournal>();

            await using (var journal = await FailoverJournal.OpenAsync(_folder.JournalPath, new FailoverOptions(), TimeProvider.System, logs))
            {
                journal.Replayed.Select(e => e.TaskId).Should().Equal(["t-0", "t-1", "t-2", "t-3"], because: $"the file was cut at byte {cut}");
                journal.Count.Should().Be(4);
            }

            new FileInfo(_folder.JournalPath).Length.Should().Be(lastStart, because: "the torn record is cut off the file");
            logs.Entries.Should().ContainSingle(e => e.Level == LogLevel.Warning).Which.Message
                .Should().Contain(_folder.JournalPath).And.Contain($"{cut - lastStart} bytes");
            logs.Entries.Should().NotContain(e => e.Level == LogLevel.Error);
        }
        Directory.Exists(_folder.QuarantinePath).Should().BeFalse(because: "a torn tail is an expected crash, not damage");
    }

    [Fact]
    public async Task OpenAsync_RewritesTheHeader_WhenTheFileEndsInsideIt()
    {
        await File.WriteAllBytesAsync(_folder.JournalPath, JournalFormat.Header().AsMemory(0, 7).ToArray());

        await using (var journal = await _folder.OpenAsync())
        {
            journal.Replayed.Should().BeEmpty();
            await journal.AppendAsync(JournalFolder.Enqueued("a"));
        }

        await using var reopened = await _folder.OpenAsync();
        reopened.Replayed.Select(e => e.TaskId).Should().Equal("a");
        _folder.Logs.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains(_folder.JournalPath));
    }

    [Fact]
    public async Task OpenAsync_KeepsTheGoodPrefixAndQuarantinesACopy_WhenABitFlipsInTheMiddle()
    {
        var lengths = await WriteAsync(10);
        var damaged = await File.ReadAllBytesAsync(_folder.JournalPath);
        var offset = lengths[5];
        damaged[(int)offset + JournalFormat.FrameLength + 10] ^= 0x04;
        await File.WriteAllBytesAsync(_folder.JournalPath, damaged);

        await using (var journal = await _folder.OpenAsync())
        {
            journal.Replayed.Select(e => e.TaskId).Should().Equal(Enumerable.Range(0, 5).Select(i => $"t-{i}"));
            await journal.AppendAsync(JournalFolder.Enqueued("after"));
        }

        var error = _folder.Logs.Entries.Should().ContainSingle(e => e.Level == LogLevel.Error).Which.Message;
        error.Should().Contain(_folder.JournalPath).And.Contain($"offset {offset}").And.Contain("checksum mismatch");
        var copy = Directory.GetFiles(_folder.QuarantinePath).Should().ContainSingle().Which;
        Path.GetFileName(copy).Should().MatchRegex(@"^journal\.rqj\.\d{8}T\d{9}Z\.corrupt$");
        error.Should().Contain(copy);
        (await File.ReadAllBytesAsync(copy)).Should().Equal(damaged, because: "the whole file is kept for a person to inspect");
        if (!OperatingSystem.IsWindows())
            File.GetUnixFileMode(copy).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite, because: "the copy holds task payloads too");
        await using var reopened = await _folder.OpenAsync();
        reopened.Replayed.Select(e => e.TaskId).Should().Equal(Enumerable.Range(0, 5).Select(i => $"t-{i}").Append("after"),
            because: "the live file was cut to the good prefix, so later appends replay");
    }

    [Fact]
    public async Task OpenAsync_StopsAndQuarantines_WhenABodyWithAGoodChecksumDoesNotDecode()
    {
        await WriteAsync(2);
        var garbage = new ArrayBufferWriter<byte>();
        JournalFormat.WriteRecord(garbage, [0x93, 0x01, 0xC1, 0x02]); // an array holding the never-used byte 0xC1
        var badKind = new ArrayBufferWriter<byte>();
        JournalFormat.WriteRecord(badKind, MessagePack.MessagePackSerializer.Serialize(new JournalRecord { Kind = 7, TaskId = "x" }, JournalCodec.Options));
        foreach (var record in new[] { garbage, badKind })
        {
            var before = await File.ReadAllBytesAsync(_folder.JournalPath);
            await using (var file = new FileStream(_folder.JournalPath, FileMode.Append)) file.Write(record.WrittenSpan);
            await using (var tail = new FileStream(_folder.JournalPath, FileMode.Append))
            {
                var next = new ArrayBufferWriter<byte>();
                JournalFormat.WriteRecord(next, JournalCodec.Encode(JournalFolder.Enqueued("hidden")));
                tail.Write(next.WrittenSpan);
            }

            await using (var journal = await _folder.OpenAsync())
                journal.Replayed.Select(e => e.TaskId).Should().Equal("t-0", "t-1");

            new FileInfo(_folder.JournalPath).Length.Should().Be(before.Length);
        }
        var errors = _folder.Logs.Entries.Where(e => e.Level == LogLevel.Error).Select(e => e.Message).ToList();
        errors.Should().HaveCount(2);
        errors[0].Should().Contain("does not decode");
        errors[1].Should().Contain("unknown entry kind 7");
        Directory.GetFiles(_folder.QuarantinePath).Should().HaveCount(2);
    }

    [Fact]
    public async Task OpenAsync_QuarantinesTheFileAndStartsEmpty_WhenItIsNotAJournal()
    {
        var foreign = "{\"this\": \"is somebody else's file\"}\n"u8.ToArray();
        await File.WriteAllBytesAsync(_folder.JournalPath, foreign);

        await using (var journal = await _folder.OpenAsync())
        {
            journal.Replayed.Should().BeEmpty();
            await journal.AppendAsync(JournalFolder.Enqueued("a"));
        }

        var moved = Directory.GetFiles(_folder.QuarantinePath).Should().ContainSingle().Which;
        (await File.ReadAllBytesAsync(moved)).Should().Equal(foreign);
        _folder.Logs.Entries.Should().ContainSingle(e => e.Level == LogLevel.Error).Which.Message
            .Should().Contain(_folder.JournalPath).And.Contain("not a RedisQueue failover journal").And.Contain(moved);
        await using var reopened = await _folder.OpenAsync();
        reopened.Replayed.Select(e => e.TaskId).Should().Equal("a");
    }

    [Fact]
    public async Task OpenAsync_QuarantinesTheFileAndStartsEmpty_WhenANewerBuildWroteIt()
    {
        await WriteAsync(3);
        var future = await File.ReadAllBytesAsync(_folder.JournalPath);
        BinaryPrimitives.WriteUInt16LittleEndian(future.AsSpan(JournalFormat.Magic.Length), JournalFormat.Version + 1);
        await File.WriteAllBytesAsync(_folder.JournalPath, future);

        await using (var journal = await _folder.OpenAsync()) journal.Replayed.Should().BeEmpty();

        var moved = Directory.GetFiles(_folder.QuarantinePath).Should().ContainSingle().Which;
        (await File.ReadAllBytesAsync(moved)).Should().Equal(future, because: "its entries are kept for a newer build or a person");
        _folder.Logs.Entries.Should().ContainSingle(e => e.Level == LogLevel.Error).Which.Message
            .Should().Contain(_folder.JournalPath).And.Contain($"format version {JournalFormat.Version + 1}");
        new FileInfo(_folder.JournalPath).Length.Should().Be(JournalFormat.HeaderLength);
    }

    [Fact]
    public async Task OpenAsync_StopsAtTheRecord_WhenItsLengthIsImpossible()
    {
        var lengths = await WriteAsync(3);
        var damaged = await File.ReadAllBytesAsync(_folder.JournalPath);
        BinaryPrimitives.WriteUInt32LittleEndian(damaged.AsSpan((int)lengths[1]), 0xFFFF_FFF0);
        await File.WriteAllBytesAsync(_folder.JournalPath, damaged);

        await using (var journal = await _folder.OpenAsync()) journal.Replayed.Select(e => e.TaskId).Should().Equal("t-0");

        _folder.Logs.Entries.Should().ContainSingle(e => e.Level == LogLevel.Error).Which.Message.Should().Contain($"offset {lengths[1]}");
        Directory.GetFiles(_folder.QuarantinePath).Should().ContainSingle();
    }

    // Appends t-0 … t-(n-1), one commit each; returns the file length before each record and at the end.
    private async Task<List<long>> WriteAsync(int count)
    {
        var lengths = new List<long>();
        await using var journal = await _folder.OpenAsync();
        for (var i = 0; i < count; i++)
        {
            lengths.Add(new FileInfo(_folder.JournalPath).Length);
            await journal.AppendAsync(JournalFolder.Enqueued($"t-{i}"));
        }
        lengths.Add(new FileInfo(_folder.JournalPath).Length);
        return lengths;
    }
}
