using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace QueueService.Stores.Failover;

/// <summary>
/// The append-only, checksummed journal of changes accepted while Redis is down (see docs/failover.md).
/// <see cref="AppendAsync(JournalEntry, CancellationToken)"/> completes only once the entry is on disk (written and fsynced); appends that
/// arrive together share one write and one fsync (group commit, <see cref="FailoverOptions.CommitWindow"/>).
/// <see cref="OpenAsync"/> reads back what an earlier process left (a torn last entry from a crash mid-write
/// is cut off and logged; a corrupt entry stops the replay there, is logged, and the file is kept aside).
/// Safe for any number of concurrent appenders; one writer loop owns the file.
/// </summary>
public sealed partial class FailoverJournal : IAsyncDisposable
{
    private readonly FileStream _file;
    private readonly string _path;
    private readonly FailoverOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<PendingAppend> _pending = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    // Held by the writer loop while it writes a batch and by ResetAsync, so the two never interleave on the file.
    private readonly SemaphoreSlim _fileLock = new(1, 1);
    private readonly Task _writerLoop;
    // The file's length up to the end of the last record known durable; a failed write is cut back to it.
    private long _goodLength;
    private long _count;
    private long _commits;
    private long _writes;
    private long _claimed;
    private int _disposed;

    private FailoverJournal(FileStream file, string path, FailoverOptions options, TimeProvider time, ILogger logger, List<JournalEntry> replayed, long goodLength)
    {
        _file = file;
        _path = path;
        _options = options;
        _time = time;
        _logger = logger;
        Replayed = replayed;
        _count = replayed.Count;
        _goodLength = goodLength;
        _writerLoop = Task.Run(WriteLoopAsync);
    }

    /// <summary>The entries found in the file when it was opened, in the order they were written.</summary>
    public IReadOnlyList<JournalEntry> Replayed { get; }

    /// <summary>Entries in the file now (replayed plus appended since).</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>The journal file's path.</summary>
    public string Path => _path;

    /// <summary>Group commits done so far: each is one write and one fsync (for tests and the bench).</summary>
    internal long CommitCount => Interlocked.Read(ref _commits);

    /// <summary>Write calls made on the file so far, failed ones included (for tests and the bench).</summary>
    internal long WriteCount => Interlocked.Read(ref _writes);

    /// <summary>Appends taken into a batch by the writer so far (for tests).</summary>
    internal long ClaimedCount => Interlocked.Read(ref _claimed);

    /// <summary>The lock the writer holds while it writes; a test holds it to keep a claimed batch from being written.</summary>
    internal SemaphoreSlim FileLock => _fileLock;

    /// <summary>
    /// Test hook standing in for a failing disk: when set and it returns true for a batch of that many bytes,
    /// the writer writes half the batch and then throws <see cref="IOException"/>, as a full disk would.
    /// </summary>
    internal Func<int, bool>? InjectWriteFault { get; set; }

    /// <summary>Opens (creating it and its folder when missing) the journal at <paramref name="path"/> and replays it.</summary>
    /// <returns>The open journal, its <see cref="Replayed"/> entries read. A damaged file never fails the start: a torn tail is cut
    /// (Warning); a damaged record stops replay there, the file is copied to <c>quarantine/</c> beside it and cut to the good
    /// records (Error); a foreign or newer file is moved to <c>quarantine/</c> and the journal starts empty (Error).</returns>
    /// <exception cref="IOException">The file or its folder cannot be created, read or written.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission on the file or its folder.</exception>
    public static Task<FailoverJournal> OpenAsync(string path, FailoverOptions options, TimeProvider time, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        // File IO is synchronous here: a start-up step, run off the caller's thread.
        return Task.Run(() => Open(System.IO.Path.GetFullPath(path), options, time, logger, cancellationToken), cancellationToken);
    }

    /// <summary>Appends <paramref name="entry"/>; completes when it is durable. Throws <see cref="IOException"/> when it could not be made so (nothing acknowledged).</summary>
    /// <exception cref="ArgumentException">The entry is invalid: no task on an Enqueued entry, a <see cref="Tasks.NewTask.Delay"/> not yet turned into RunAt, a task whose id differs from <see cref="JournalEntry.TaskId"/>, an unknown kind, or too large.</exception>
    /// <exception cref="IOException">The write or fsync failed: the entry is not in the journal.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before it was written: it is not in the journal. Once written it completes regardless.</exception>
    /// <exception cref="ObjectDisposedException">The journal is disposed.</exception>
    public Task AppendAsync(JournalEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return EnqueueAppend([JournalCodec.Encode(entry)], cancellationToken);
    }

    /// <summary>Appends several entries in one group; completes when all are durable.</summary>
    /// <remarks>All or nothing: the entries are written in one write, in their order.</remarks>
    /// <exception cref="ArgumentException">An entry is invalid (see <see cref="AppendAsync(JournalEntry, CancellationToken)"/>); none is appended.</exception>
    /// <exception cref="IOException">The write or fsync failed: none of them is in the journal.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before they were written: none is in the journal.</exception>
    /// <exception cref="ObjectDisposedException">The journal is disposed.</exception>
    public Task AppendAsync(IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0) return Task.CompletedTask;
        var bodies = new byte[entries.Count][];
        for (var i = 0; i < entries.Count; i++) bodies[i] = JournalCodec.Encode(entries[i] ?? throw new ArgumentException($"Entry {i} is null.", nameof(entries)));
        return EnqueueAppend(bodies, cancellationToken);
    }

    /// <summary>Empties the journal durably (after its tasks were drained into Redis).</summary>
    /// <remarks>The file is cut back to its header and fsynced, in place (no rename: the handle stays the same).
    /// Appends acknowledged before the reset are gone; appends still waiting are written after it.</remarks>
    /// <exception cref="IOException">The file could not be cut or synced; the journal is unchanged or already empty.</exception>
    /// <exception cref="ObjectDisposedException">The journal is disposed.</exception>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _fileLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _file.SetLength(JournalFormat.HeaderLength);
            _file.Position = JournalFormat.HeaderLength;
            _file.Flush(flushToDisk: true);
            _goodLength = JournalFormat.HeaderLength;
            Interlocked.Exchange(ref _count, 0);
        }
        finally
        {
            _fileLock.Release();
        }
    }

    /// <summary>Writes the appends already made, stops the writer and closes the file. Appends after this throw <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _pending.Writer.TryComplete();
        await _writerLoop.ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
        _fileLock.Dispose();
    }

    private Task EnqueueAppend(byte[][] bodies, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled(cancellationToken);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var append = new PendingAppend(bodies, cancellationToken);
        ObjectDisposedException.ThrowIf(!_pending.Writer.TryWrite(append), this);
        return append.Completion;
    }

    private static string Timestamp(TimeProvider time) =>
        time.GetUtcNow().ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
}
