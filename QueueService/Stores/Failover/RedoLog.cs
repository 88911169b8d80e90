using System.Buffers;
using System.Globalization;
using Microsoft.Extensions.Logging;
using QueueService.Snapshots;

namespace QueueService.Stores.Failover;

/// <summary>
/// The API's redo log (docs/failover.md, "Redis back empty"): what Redis was told through this API since the
/// snapshot before the newest one — submissions Redis accepted, cancels and retries it applied, starts from its
/// event feed, and the tasks a drain moved into it — so a restore after Redis lost its data brings back what the
/// newest snapshot lacks. Segments <c>redo-&lt;UTC ticks, 19 digits&gt;.rqj</c> in one folder, in the journal's
/// record format (<see cref="JournalFormat"/>).
/// </summary>
/// <remarks>
/// An append completes once it is written to the OS (one <c>write</c>, no <c>fsync</c>): a killed process loses
/// nothing; a background flush <c>fsync</c>s every second, as Redis's <c>appendfsync everysec</c>. A write error is
/// logged (Error, the first of a run; Debug after) and never fails the caller: the log backs Redis up, it is not the
/// record. Opening never truncates the segments an earlier process left: a restore after a restart still reads them.
/// <see cref="BackupStarting"/> seals the segment and opens a new one; <see cref="BackupWritten"/> deletes the segments
/// sealed before the previous backup started, so the log covers the two newest snapshots. Without backups nothing
/// compacts it: a segment is also cut at an eighth of <see cref="FailoverOptions.RedoMaxBytes"/>, and past that size the
/// oldest segments are deleted (Warning), so the disk never fills; the newest sealed segment always stays. Safe for concurrent use.
/// </remarks>
public sealed partial class RedoLog : IRestoreLog, IAsyncDisposable
{
    /// <summary>How often what was written is fsynced.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    // A segment is cut at RedoMaxBytes / this: trimmed at each cut, the log stays under 9/8 of RedoMaxBytes, plus the newest
    // sealed segment when one batch alone was larger.
    private const int SegmentsPerLimit = 8;
    private const string Prefix = "redo-";
    private const string Extension = ".rqj";

    private readonly FailoverOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    // Guards the file, the segment bookkeeping and the compaction boundaries. Held for one write (microseconds) or one fsync.
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _flushLoop;
    private FileStream? _file;
    private long _segmentTicks;
    private long _goodLength;
    private bool _dirty;
    private bool _failing;
    // The ticks of the segment the backup under way started; of the last backup that was written.
    private long? _startedBoundary;
    private long? _writtenBoundary;
    private long _appended;
    private long _writeErrors;
    private bool _disposed;

    private RedoLog(string folder, FailoverOptions options, TimeProvider time, ILogger logger)
    {
        FolderPath = folder;
        _options = options;
        _time = time;
        _logger = logger;
        _flushLoop = Task.Run(() => FlushLoopAsync(_stopping.Token));
    }

    /// <summary>The log's folder.</summary>
    public string FolderPath { get; }

    /// <inheritdoc/>
    public TimeSpan RestoredLeaseDuration => _options.RestoredLeaseDuration;

    /// <summary>Entries written so far by this process.</summary>
    public long AppendedCount => Interlocked.Read(ref _appended);

    /// <summary>Appends that could not be written (logged).</summary>
    public long WriteErrorCount => Interlocked.Read(ref _writeErrors);

    /// <summary>The segment files now in the folder, oldest first (full paths).</summary>
    public IReadOnlyList<string> Segments => ListSegments().Select(s => s.Path).ToList();

    /// <summary>
    /// Test hook standing in for a failing disk: when set and it returns true for a write of that many bytes, the
    /// write puts half of them in the file and then throws <see cref="IOException"/>, as a full disk would.
    /// </summary>
    internal Func<int, bool>? InjectWriteFault { get; set; }

    /// <summary>
    /// Opens the log in <paramref name="folder"/> (created when missing) and starts a new segment; the segments
    /// already there are kept. Never throws for the disk: a folder that cannot be written is logged (Error) and the
    /// log tries again at each append.
    /// </summary>
    public static RedoLog Open(string folder, FailoverOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        var log = new RedoLog(Path.GetFullPath(folder), options, time, logger);
        lock (log._lock)
        {
            log.TryStartSegment();
        }
        return log;
    }

    /// <summary>Appends one entry (see <see cref="Append(IReadOnlyList{JournalEntry})"/>).</summary>
    public void Append(JournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Append([entry]);
    }

    /// <summary>
    /// Appends <paramref name="entries"/> in one write; returns once the OS has them. Never throws for the disk or for
    /// an entry the format refuses: both are logged and the entry is not in the log.
    /// </summary>
    public void Append(IReadOnlyList<JournalEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0) return;
        var buffer = new ArrayBufferWriter<byte>();
        var count = 0;
        foreach (var entry in entries)
        {
            try
            {
                JournalFormat.WriteRecord(buffer, JournalCodec.Encode(entry));
                count++;
            }
            catch (ArgumentException ex)
            {
                _logger.LogError(ex, "Redo log {Folder}: an entry for task {TaskId} cannot be recorded; a restore after Redis lost its data will not know of this change",
                    FolderPath, entry?.TaskId);
            }
        }
        if (count == 0) return;
        lock (_lock)
        {
            if (_disposed) return;
            try
            {
                if (_file is null && !TryStartSegment()) throw new IOException("no segment is open");
                var bytes = buffer.WrittenSpan;
                if (InjectWriteFault is { } fault && fault(bytes.Length))
                {
                    _file!.Write(bytes[..(bytes.Length / 2)]);
                    throw new IOException("Injected write fault (test): the disk is full.");
                }
                _file!.Write(bytes);
                _goodLength += bytes.Length;
                _dirty = true;
                Interlocked.Add(ref _appended, count);
                if (_failing)
                {
                    _failing = false;
                    _logger.LogInformation("Redo log {Folder}: writing again", FolderPath);
                }
                if (_goodLength >= _options.RedoMaxBytes / SegmentsPerLimit) CutAndTrim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                Interlocked.Add(ref _writeErrors, count);
                if (!_failing)
                {
                    _failing = true;
                    _logger.LogError(ex, "Redo log {Folder}: {Count} entries could not be written ({Reason}); the changes stand in Redis, but a restore after Redis lost its data will not know of them",
                        FolderPath, count, ex.Message);
                }
                else
                {
                    _logger.LogDebug("Redo log {Folder}: still failing, {Count} more entries not written ({Reason})", FolderPath, count, ex.Message);
                }
                CutBackOrClose();
            }
        }
    }

    /// <inheritdoc/>
    public void BackupStarting()
    {
        lock (_lock)
        {
            if (_disposed) return;
            SealSegment();
            TryStartSegment();
            // Whatever segment comes next has higher ticks: every segment below this boundary was sealed before this backup started.
            _startedBoundary = _segmentTicks;
        }
    }

    /// <inheritdoc/>
    public void BackupWritten()
    {
        List<string> doomed;
        lock (_lock)
        {
            if (_disposed || _startedBoundary is not { } started) return;
            var previous = _writtenBoundary;
            _writtenBoundary = started;
            _startedBoundary = null;
            if (previous is not { } boundary) return;
            try
            {
                doomed = ListSegments().Where(s => s.Ticks < boundary).Select(s => s.Path).ToList();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The backup itself succeeded: compaction waits for the next one.
                _logger.LogWarning(ex, "Redo log {Folder}: the folder could not be listed for compaction; the next backup tries again", FolderPath);
                return;
            }
        }
        foreach (var path in doomed)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning(ex, "Redo log: the compacted segment {Path} could not be deleted; it is read again by a restore (harmless) and deleted at the next backup", path);
            }
        }
        if (doomed.Count > 0) _logger.LogDebug("Redo log {Folder}: {Count} segments older than the snapshot before the newest deleted", FolderPath, doomed.Count);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<JournalEntry>> ReadAllAsync(CancellationToken cancellationToken = default) =>
        Task.Run<IReadOnlyList<JournalEntry>>(() => ReadAll(cancellationToken), cancellationToken);

    private List<JournalEntry> ReadAll(CancellationToken ct)
    {
        long active;
        lock (_lock)
        {
            active = _file is null ? -1 : _segmentTicks;
        }
        var entries = new List<JournalEntry>();
        foreach (var (path, ticks) in ListSegments())
        {
            ct.ThrowIfCancellationRequested();
            JournalReadResult read;
            try
            {
                // Shared with the writer (and with a compaction deleting it meanwhile): only what is whole is read.
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                read = JournalReader.Read(file, ct);
            }
            catch (FileNotFoundException)
            {
                continue; // compacted meanwhile: a backup covers it
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _logger.LogError(ex, "Redo log segment {Path} cannot be read ({Reason}); a restore goes on without it", path, ex.Message);
                continue;
            }
            entries.AddRange(read.Entries);
            switch (read.Outcome)
            {
                case JournalReadOutcome.TornTail when ticks != active:
                    _logger.LogWarning("Redo log segment {Path}: the last record is cut short ({Reason}); the {Entries} entries before it are used", path, read.Problem, read.Entries.Count);
                    break;
                case JournalReadOutcome.Corrupt:
                    _logger.LogError("Redo log segment {Path}: damaged record at offset {Offset} ({Reason}); the {Entries} entries before it are used, the rest of the segment is not",
                        path, read.GoodLength, read.Problem, read.Entries.Count);
                    break;
                case JournalReadOutcome.Unreadable:
                    _logger.LogError("Redo log segment {Path} is not read: {Reason}", path, read.Problem);
                    break;
            }
        }
        return entries;
    }

    /// <summary>Fsyncs what was written, stops the flush and closes the segment. Appends after this are dropped.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        try { await _flushLoop.ConfigureAwait(false); }
        catch (OperationCanceledException) { /* stopped */ }
        lock (_lock)
        {
            SealSegment();
        }
        _stopping.Dispose();
    }

    private async Task FlushLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(FlushInterval, _time);
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false)) Flush();
    }

    /// <summary>Fsyncs the open segment when something was written since the last time.</summary>
    internal void Flush()
    {
        lock (_lock)
        {
            if (!_dirty || _file is null) return;
            try
            {
                _file.Flush(flushToDisk: true);
                _dirty = false;
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                _logger.LogError(ex, "Redo log {Folder}: fsync failed ({Reason}); what was written stays with the OS", FolderPath, ex.Message);
            }
        }
    }
}
