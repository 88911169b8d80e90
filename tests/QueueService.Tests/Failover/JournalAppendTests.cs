using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using QueueService.Stores.Failover;
using QueueService.Tasks;
using QueueService.Tests.Support;

namespace QueueService.Tests.Failover;

public sealed class JournalAppendTests : IDisposable
{
    private readonly JournalFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task AppendAsync_RoundTripsEveryKindAndField_WhenReopened()
    {
        var at = new DateTimeOffset(2026, 11, 23, 17, 48, 12, TimeSpan.FromHours(5.5)).AddTicks(1234567);
        var runAt = new DateTimeOffset(2027, 1, 2, 3, 4, 5, TimeSpan.FromMinutes(-150)).AddTicks(7);
        JournalEntry[] written =
        [
            new(JournalEntryKind.Enqueued, "t-1", at, new NewTask("transcription", """{"url":"https://x/ü","n":[1,2]}""")
                { Id = "t-1", Priority = 97, MaxRetries = 0, RunAt = runAt }),
            new(JournalEntryKind.Enqueued, "t-2", at.AddSeconds(1), new NewTask("risk.detection_v2", "null") { Id = "t-2" }),
            new(JournalEntryKind.Cancelled, "t-1", at.AddSeconds(2)),
            new(JournalEntryKind.Retried, "t-2", at.AddSeconds(3)),
        ];
        await using (var journal = await _folder.OpenAsync())
        {
            await journal.AppendAsync(written[0]);
            await journal.AppendAsync(written[1..]);
            journal.Count.Should().Be(4);
        }

        await using var reopened = await _folder.OpenAsync();

        reopened.Replayed.Should().Equal(written, because: "records compare by value, NewTask included");
        reopened.Replayed.Select(e => e.At.Offset).Should().Equal(written.Select(e => e.At.Offset));
        reopened.Replayed[0].Task!.RunAt!.Value.Offset.Should().Be(runAt.Offset);
        reopened.Count.Should().Be(4);
    }

    public static TheoryData<string, JournalEntry> InvalidEntries => new()
    {
        { "a delay", new(JournalEntryKind.Enqueued, "t", DateTimeOffset.UnixEpoch, new NewTask("q", "{}") { Id = "t", Delay = TimeSpan.FromSeconds(5) }) },
        { "no task", new(JournalEntryKind.Enqueued, "t", DateTimeOffset.UnixEpoch) },
        { "another id", new(JournalEntryKind.Enqueued, "t", DateTimeOffset.UnixEpoch, new NewTask("q", "{}") { Id = "u" }) },
        { "no id", new(JournalEntryKind.Enqueued, "t", DateTimeOffset.UnixEpoch, new NewTask("q", "{}")) },
        { "an empty task id", new(JournalEntryKind.Cancelled, "", DateTimeOffset.UnixEpoch) },
        { "an unknown kind", new((JournalEntryKind)9, "t", DateTimeOffset.UnixEpoch) },
        { "a payload larger than a record holds", new(JournalEntryKind.Enqueued, "t", DateTimeOffset.UnixEpoch,
            new NewTask("q", $"\"{new string('x', JournalFormat.MaxBodyBytes)}\"") { Id = "t" }) },
    };

    [Theory]
    [MemberData(nameof(InvalidEntries))]
    public async Task AppendAsync_ThrowsArgumentExceptionAndWritesNothing_WhenTheEntryIsInvalid(string problem, JournalEntry entry)
    {
        await using (var journal = await _folder.OpenAsync())
        {
            var good = JournalFolder.Enqueued("ok");
            var append = () => journal.AppendAsync([good, entry]);

            await append.Should().ThrowAsync<ArgumentException>(because: $"an entry with {problem} cannot be replayed faithfully");
            journal.Count.Should().Be(0);
        }
        await using var reopened = await _folder.OpenAsync();
        reopened.Replayed.Should().BeEmpty(because: "a group with one bad entry is refused whole");
    }

    [Fact]
    public async Task AppendAsync_ReplaysEveryEntryOnceInEachAppendersOrder_WhenManyAppendConcurrently()
    {
        const int appenders = 8, each = 1_000;
        await using (var journal = await _folder.OpenAsync())
        {
            await Task.WhenAll(Enumerable.Range(0, appenders).Select(a => Task.Run(async () =>
            {
                for (var i = 0; i < each; i++) await journal.AppendAsync(JournalFolder.Enqueued($"{a}-{i}"));
            })));
            journal.Count.Should().Be(appenders * each);
        }

        await using var reopened = await _folder.OpenAsync();

        var ids = reopened.Replayed.Select(e => e.TaskId).ToList();
        ids.Should().OnlyHaveUniqueItems().And.HaveCount(appenders * each);
        for (var a = 0; a < appenders; a++)
            ids.Where(id => id.StartsWith($"{a}-", StringComparison.Ordinal)).Should().Equal(Enumerable.Range(0, each).Select(i => $"{a}-{i}"),
                because: "each appender awaited its appends one by one");
    }

    [Fact]
    public async Task AppendAsync_SharesWritesAndFsyncs_WhenAppendsArriveTogether()
    {
        await using var journal = await _folder.OpenAsync();

        await Task.WhenAll(Enumerable.Range(0, 1_000).Select(i => journal.AppendAsync(JournalFolder.Enqueued($"t-{i}"))));

        journal.Count.Should().Be(1_000);
        journal.CommitCount.Should().BeLessThan(100, because: "appends waiting together share one write and one fsync");
        journal.WriteCount.Should().Be(journal.CommitCount);
    }

    [Fact]
    public async Task AppendAsync_WritesAtMostMaxCommitBatchEntriesAtOnce_WhenMoreWait()
    {
        await using var journal = await _folder.OpenAsync(new FailoverOptions { MaxCommitBatch = 10, CommitWindow = TimeSpan.FromMilliseconds(50) });

        await Task.WhenAll(Enumerable.Range(0, 1_000).Select(i => journal.AppendAsync(JournalFolder.Enqueued($"t-{i}"))));

        journal.Count.Should().Be(1_000);
        journal.CommitCount.Should().BeGreaterThanOrEqualTo(100, because: "a group commit writes at most MaxCommitBatch entries");
    }

    [Fact]
    public async Task AppendAsync_CompletesWhenTheWindowEnds_WhenAlone()
    {
        var time = new TimerCountingTimeProvider();
        await using var journal = await _folder.OpenAsync(new FailoverOptions { CommitWindow = TimeSpan.FromMilliseconds(50) }, time);

        var append = journal.AppendAsync(JournalFolder.Enqueued("alone"));
        // The writer has taken the append and set its window's timer (50 ms from fake 0): only then does fake time move.
        await Eventually.TrueAsync(_ => Task.FromResult(journal.ClaimedCount == 1 && time.TimersCreated >= 1), TimeSpan.FromSeconds(5),
            "the writer takes the append at once and waits for the window");
        time.Advance(TimeSpan.FromMilliseconds(49));
        append.IsCompleted.Should().BeFalse(because: "the writer gathers for the whole window when nothing else comes");
        time.Advance(TimeSpan.FromMilliseconds(1));

        // The write and its fsync take real time (a slow disk must not count as window): waited for with a deadline.
        await append.WaitAsync(TimeSpan.FromSeconds(10));
        journal.CommitCount.Should().Be(1);
    }

    /// <summary>A fake clock that counts the timers set on it, so a test moves time only once the code under test waits.</summary>
    private sealed class TimerCountingTimeProvider : FakeTimeProvider
    {
        private int _timers;

        public int TimersCreated => Volatile.Read(ref _timers);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            Interlocked.Increment(ref _timers);
            return timer;
        }
    }

    [Fact]
    public async Task AppendAsync_CompletesWithoutWaiting_WhenTheWindowIsZero()
    {
        var time = new FakeTimeProvider();
        await using var journal = await _folder.OpenAsync(new FailoverOptions { CommitWindow = TimeSpan.Zero }, time);

        await journal.AppendAsync(JournalFolder.Enqueued("now")).WaitAsync(TimeSpan.FromSeconds(5));

        journal.CommitCount.Should().Be(1, because: "with no window nothing waits for the clock, which never moved");
    }

    [Fact]
    public async Task AppendAsync_HasItsBytesInTheFile_WhenItCompletes()
    {
        await using var journal = await _folder.OpenAsync(new FailoverOptions { CommitWindow = TimeSpan.Zero });
        var missing = new System.Collections.Concurrent.ConcurrentBag<string>();

        await Task.WhenAll(Enumerable.Range(0, 16).Select(a => Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                var id = $"{a}-{i}";
                await journal.AppendAsync(JournalFolder.Enqueued(id));

                // Another handle, as another process would see the file right after the acknowledgement.
                await using var other = new FileStream(_folder.JournalPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                var read = JournalReader.Read(other, CancellationToken.None);
                if (!read.Entries.Any(e => e.TaskId == id)) missing.Add(id);
            }
        })));

        missing.Should().BeEmpty(because: "an append completes only after its bytes were written and fsynced");
        journal.Count.Should().Be(320);
    }

    [Fact]
    public async Task AppendAsync_ThrowsAndLeavesItOut_WhenCancelledBeforeItIsWritten()
    {
        await using var journal = await _folder.OpenAsync(new FailoverOptions { CommitWindow = TimeSpan.Zero });
        await journal.FileLock.WaitAsync();
        var first = journal.AppendAsync(JournalFolder.Enqueued("written"));
        await Eventually.TrueAsync(_ => Task.FromResult(journal.ClaimedCount == 1), TimeSpan.FromSeconds(5), "the writer takes the first append and waits on the lock");
        using var cancel = new CancellationTokenSource();
        var second = journal.AppendAsync(JournalFolder.Enqueued("cancelled"), cancel.Token);

        await cancel.CancelAsync();
        var waitSecond = () => second;
        await waitSecond.Should().ThrowAsync<OperationCanceledException>();
        journal.FileLock.Release();
        await first.WaitAsync(TimeSpan.FromSeconds(5));
        await journal.AppendAsync(JournalFolder.Enqueued("after"));

        await using var other = new FileStream(_folder.JournalPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        JournalReader.Read(other, CancellationToken.None).Entries.Select(e => e.TaskId).Should().Equal("written", "after");
        journal.Count.Should().Be(2);
    }

    [Fact]
    public async Task AppendAsync_Completes_WhenCancelledAfterItWasTakenForWriting()
    {
        await using var journal = await _folder.OpenAsync(new FailoverOptions { CommitWindow = TimeSpan.Zero });
        await journal.FileLock.WaitAsync();
        using var cancel = new CancellationTokenSource();
        var append = journal.AppendAsync(JournalFolder.Enqueued("taken"), cancel.Token);
        await Eventually.TrueAsync(_ => Task.FromResult(journal.ClaimedCount == 1), TimeSpan.FromSeconds(5), "the writer takes the append");

        await cancel.CancelAsync();
        journal.FileLock.Release();

        await append.WaitAsync(TimeSpan.FromSeconds(5));
        append.IsCompletedSuccessfully.Should().BeTrue(because: "once taken into a batch, an append is written and acknowledged");
        journal.Count.Should().Be(1);
    }

    [Fact]
    public async Task AppendAsync_FailsTheWholeBatchWithIOException_WhenTheDiskFails()
    {
        await using (var journal = await _folder.OpenAsync(new FailoverOptions { CommitWindow = TimeSpan.FromMilliseconds(20) }))
        {
            await journal.AppendAsync(JournalFolder.Enqueued("before"));
            var goodLength = new FileInfo(_folder.JournalPath).Length;
            journal.InjectWriteFault = _ => true;

            var batch = Enumerable.Range(0, 50).Select(i => journal.AppendAsync(JournalFolder.Enqueued($"lost-{i}"))).ToList();
            foreach (var append in batch)
            {
                var wait = () => append;
                await wait.Should().ThrowAsync<IOException>(because: "nothing of a failed batch is acknowledged");
            }
            journal.Count.Should().Be(1);
            new FileInfo(_folder.JournalPath).Length.Should().Be(goodLength, because: "the half-written batch is cut back at once");

            journal.InjectWriteFault = null;
            await journal.AppendAsync(JournalFolder.Enqueued("after"));
            _folder.Logs.Entries.Should().Contain(e => e.Level == LogLevel.Error && e.Message.Contains(_folder.JournalPath));
        }

        await using var reopened = await _folder.OpenAsync();
        reopened.Replayed.Select(e => e.TaskId).Should().Equal(["before", "after"], because: "the half-written failed batch was cut away");
        _folder.Logs.Entries.Should().NotContain(e => e.Level == LogLevel.Warning, because: "the file held no torn record");
    }

    [Fact]
    public async Task ResetAsync_LeavesAnEmptyJournal_WhenReopened()
    {
        await using (var journal = await _folder.OpenAsync())
        {
            await journal.AppendAsync([JournalFolder.Enqueued("a"), JournalFolder.Enqueued("b")]);
            await journal.ResetAsync();
            journal.Count.Should().Be(0);
        }
        await using (var reopened = await _folder.OpenAsync()) reopened.Replayed.Should().BeEmpty();

        new FileInfo(_folder.JournalPath).Length.Should().Be(JournalFormat.HeaderLength);
    }

    [Fact]
    public async Task AppendAsync_Works_WhenTheJournalWasReset()
    {
        await using (var journal = await _folder.OpenAsync())
        {
            await journal.AppendAsync(JournalFolder.Enqueued("old"));
            await journal.ResetAsync();
            await journal.AppendAsync(JournalFolder.Enqueued("new"));
            journal.Count.Should().Be(1);
        }
        await using var reopened = await _folder.OpenAsync();
        reopened.Replayed.Select(e => e.TaskId).Should().Equal("new");
    }

    [Fact]
    public async Task DisposeAsync_WritesTheAppendsStillWaiting_WhenCalledAtOnce()
    {
        var journal = await _folder.OpenAsync(new FailoverOptions { CommitWindow = TimeSpan.FromMilliseconds(200), MaxCommitBatch = 7 });
        var appends = Enumerable.Range(0, 100).Select(i => journal.AppendAsync(JournalFolder.Enqueued($"t-{i}"))).ToList();

        await journal.DisposeAsync();

        appends.Should().OnlyContain(a => a.IsCompletedSuccessfully);
        await using var reopened = await _folder.OpenAsync();
        reopened.Replayed.Should().HaveCount(100);
    }

    [Fact]
    public async Task AppendAsync_ThrowsObjectDisposed_WhenTheJournalIsDisposed()
    {
        var journal = await _folder.OpenAsync();
        await journal.DisposeAsync();

        var append = () => journal.AppendAsync(JournalFolder.Enqueued("late"));

        await append.Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task OpenAsync_CreatesTheFolderAndAnOwnerOnlyFile_WhenMissing()
    {
        var path = Path.Combine(_folder.Path, "deep", "er", "journal.rqj");

        await using var journal = await FailoverJournal.OpenAsync(path, new FailoverOptions(), TimeProvider.System, _folder.Logs);

        File.Exists(path).Should().BeTrue();
        if (!OperatingSystem.IsWindows())
            File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        journal.Replayed.Should().BeEmpty();
    }
}

/// <summary>A temp folder holding one journal, with a logger that keeps what the journal logged.</summary>
internal sealed class JournalFolder : IDisposable
{
    public JournalFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rq-journal-" + Guid.NewGuid().ToString("N"));

    public string JournalPath => System.IO.Path.Combine(Path, "journal.rqj");

    public string QuarantinePath => System.IO.Path.Combine(Path, FailoverJournal.QuarantineFolder);

    public ListLogger<FailoverJournal> Logs { get; } = new();

    public Task<FailoverJournal> OpenAsync(FailoverOptions? options = null, TimeProvider? time = null) =>
        FailoverJournal.OpenAsync(JournalPath, options ?? new FailoverOptions(), time ?? TimeProvider.System, Logs);

    public static JournalEntry Enqueued(string id) =>
        new(JournalEntryKind.Enqueued, id, DateTimeOffset.UnixEpoch.AddDays(20_000), new NewTask("transcription", $$"""{"id":"{{id}}"}""") { Id = id });

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
