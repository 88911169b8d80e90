using Microsoft.Extensions.Logging;

namespace QueueService.Snapshots;

/// <summary>
/// The backups folder: writes snapshot files atomically, keeps the newest few, and reads back the newest
/// one that is whole, moving refused files to <c>quarantine/</c> (<c>docs/snapshots.md</c>). Calls are
/// serialised within this instance; other processes sharing the folder are safe too: a file appears
/// under its final name only when whole, a name is never overwritten, and a file that vanishes while
/// being read is skipped. Both methods block for the whole file: call them off the request path.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The gate is a SemaphoreSlim whose wait handle is never asked for: it holds nothing to dispose, and a folder object lives as long as the host.")]
public sealed partial class SnapshotDirectory
{
    /// <summary>Snapshots kept by default after a write: the newest 5.</summary>
    public const int DefaultKeep = 5;

    /// <summary>The subfolder refused files are moved to.</summary>
    public const string QuarantineFolder = "quarantine";

    /// <summary>
    /// A temp file untouched this long is the leftover of a write that died (a write touches its file
    /// every few milliseconds) and is deleted by the next <see cref="Write"/>; younger ones may belong to
    /// a write still running in another process.
    /// </summary>
    public static readonly TimeSpan StaleTempAge = TimeSpan.FromMinutes(15);

    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyFolder = OwnerOnlyFile | UnixFileMode.UserExecute;

    private readonly ILogger<SnapshotDirectory> _logger;
    private readonly TimeProvider _time;
    private readonly Func<Stream, Stream> _wrapWrite;
    private readonly Func<Stream, Stream> _wrapRead;
    // Writes and reads of the folder, one at a time (a write awaits its parts while holding it).
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Uses <paramref name="path"/> as the backups folder; nothing is created on disk until the first write.</summary>
    /// <param name="path">The folder; relative paths are resolved against the current directory now.</param>
    /// <param name="logger">Receives one entry per snapshot written, read, rotated out or refused.</param>
    /// <param name="time">Names files and measures durations.</param>
    /// <param name="keep">How many snapshots to keep after a write, at least 1 (default <see cref="DefaultKeep"/>).</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="keep"/> is below 1.</exception>
    public SnapshotDirectory(string path, ILogger<SnapshotDirectory> logger, TimeProvider time, int keep = DefaultKeep)
        : this(path, logger, time, keep, wrapWrite: null, wrapRead: null)
    {
    }

    /// <summary>For tests: wraps the streams files are written and read through, to make them fail midway.</summary>
    internal SnapshotDirectory(string path, ILogger<SnapshotDirectory> logger, TimeProvider time, int keep,
        Func<Stream, Stream>? wrapWrite, Func<Stream, Stream>? wrapRead)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        DirectoryPath = System.IO.Path.GetFullPath(path);
        Keep = keep;
        _logger = logger;
        _time = time;
        _wrapWrite = wrapWrite ?? (stream => stream);
        _wrapRead = wrapRead ?? (stream => stream);
    }

    /// <summary>The folder's full path.</summary>
    public string DirectoryPath { get; }

    /// <summary>How many snapshots a write keeps.</summary>
    public int Keep { get; }

    /// <summary>Where refused files go: <c>{DirectoryPath}/quarantine</c>.</summary>
    public string QuarantinePath => System.IO.Path.Combine(DirectoryPath, QuarantineFolder);

    /// <summary>
    /// Writes <paramref name="snapshot"/> as the newest file: <see cref="WriteAsync"/> with the snapshot
    /// split into parts.
    /// </summary>
    /// <returns>The file written: path, size, task count, duration.</returns>
    /// <exception cref="IOException">Creating, writing or renaming the file failed (the temp file is removed), or flushing the folder after the rename (the file stays, a valid snapshot).</exception>
    /// <exception cref="UnauthorizedAccessException">The folder cannot be written.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the file was in place; nothing changed.</exception>
    public SnapshotWriteResult Write(StoreSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        // The parts are in memory already: every await inside completes at once, unless another write holds the folder.
        return WriteAsync(SnapshotFile.PartsOf(snapshot).ToAsyncEnumerable(), cancellationToken).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Writes a snapshot arriving in parts (<see cref="Stores.IQueueStore.ExportPagesAsync"/>) as the
    /// newest file, each part encoded and written as it comes (<see cref="SnapshotFile.WriteAsync"/>),
    /// then deletes all but the newest <see cref="Keep"/> snapshots and any stale temp files. The
    /// protocol: a temp file in the folder (mode 0600 on Unix), written, flushed to disk, renamed into
    /// place without overwriting, the folder flushed to disk. A failure or crash at any point — in the parts' source too — leaves
    /// the earlier snapshots as they were. One write at a time per folder object.
    /// </summary>
    /// <returns>The file written: path, size, task count, duration.</returns>
    /// <exception cref="IOException">Creating, writing or renaming the file failed (the temp file is removed), or flushing the folder after the rename (the file stays, a valid snapshot).</exception>
    /// <exception cref="UnauthorizedAccessException">The folder cannot be written.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the file was in place; nothing changed.</exception>
    /// <remarks>An exception thrown by <paramref name="parts"/> (a store that went away) is let through, the temp file removed.</remarks>
    public async Task<SnapshotWriteResult> WriteAsync(IAsyncEnumerable<StoreSnapshot> parts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parts);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var started = _time.GetTimestamp();
            CreateFolder(DirectoryPath);
            var tempPath = System.IO.Path.Combine(DirectoryPath, SnapshotFileName.Temp(_time.GetUtcNow().ToUnixTimeMilliseconds()));
            string finalPath;
            long bytes;
            int tasks;
            try
            {
                using (var file = new FileStream(tempPath, TempFileOptions()))
                {
                    var stream = _wrapWrite(file); // the file owns the handle: the wrapper is not disposed
                    (bytes, tasks) = await SnapshotFile.WriteAsync(stream, parts, cancellationToken).ConfigureAwait(false);
                    stream.Flush();
                    // On disk before the rename: the name must never point at bytes still in a cache.
                    file.Flush(flushToDisk: true);
                }
                cancellationToken.ThrowIfCancellationRequested();
                finalPath = MoveIntoPlace(tempPath);
            }
            catch
            {
                TryDelete(tempPath);
                throw;
            }
            // The rename on disk too, before anyone acts on the write (the emergency snapshot empties the journal next).
            FolderSync.Flush(DirectoryPath);

            var duration = _time.GetElapsedTime(started);
            _logger.LogInformation("Snapshot written: {File}, {Tasks} tasks, {Bytes} bytes in {ElapsedMs} ms",
                System.IO.Path.GetFileName(finalPath), tasks, bytes, (long)duration.TotalMilliseconds);
            Rotate(System.IO.Path.GetFileName(finalPath));
            RemoveStaleTemps();
            return new SnapshotWriteResult(finalPath, bytes, tasks, duration);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Deletes every snapshot in the folder (not quarantine, not temp files). For a folder whose snapshots stop
    /// mattering at once, as the failover store's emergency snapshots once their tasks are drained into Redis.
    /// </summary>
    /// <returns>How many files were deleted.</returns>
    /// <exception cref="IOException">A snapshot could not be deleted (those before it are gone).</exception>
    /// <exception cref="UnauthorizedAccessException">No permission on the folder or a file.</exception>
    public int DeleteAll()
    {
        _gate.Wait();
        try
        {
            if (!Directory.Exists(DirectoryPath)) return 0;
            var names = ListSnapshots();
            foreach (var name in names) File.Delete(System.IO.Path.Combine(DirectoryPath, name));
            return names.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    // The name is the later of now and just after the newest snapshot here, so names stay in write
    // order even when the clock steps back or two writes share a millisecond, and the file just
    // written is always the newest (rotation cannot remove it).
    private string MoveIntoPlace(string tempPath)
    {
        var stampMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var newest = ListSnapshots().FirstOrDefault();
        if (newest is not null && SnapshotFileName.TryParse(newest, out var newestMs))
            stampMs = Math.Max(stampMs, newestMs + 1);
        for (var attempt = 0; ; attempt++)
        {
            var finalPath = System.IO.Path.Combine(DirectoryPath, SnapshotFileName.Format(stampMs));
            try
            {
                File.Move(tempPath, finalPath, overwrite: false);
                return finalPath;
            }
            catch (IOException) when (attempt < 100 && File.Exists(finalPath))
            {
                stampMs++; // taken by another process in the same millisecond
            }
        }
    }

    private void Rotate(string justWritten)
    {
        foreach (var name in ListSnapshots().Skip(Keep))
        {
            if (name == justWritten) continue;
            try
            {
                File.Delete(System.IO.Path.Combine(DirectoryPath, name));
                _logger.LogInformation("Snapshot rotated out: {File} (keeping the newest {Keep})", name, Keep);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning(ex, "Could not delete old snapshot {File}; left in place", name);
            }
        }
    }

    private void RemoveStaleTemps()
    {
        var now = _time.GetUtcNow();
        foreach (var path in Directory.EnumerateFiles(DirectoryPath))
        {
            var name = System.IO.Path.GetFileName(path);
            if (!SnapshotFileName.IsTemp(name)) continue;
            try
            {
                if (now - File.GetLastWriteTimeUtc(path) < StaleTempAge) continue;
                File.Delete(path);
                _logger.LogWarning("Removed {File}, the temp file of a snapshot write that never finished", name);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning(ex, "Could not remove stale snapshot temp file {File}", name);
            }
        }
    }

    /// <summary>Snapshot file names in the folder (not quarantine, not temp, not foreign), newest first.</summary>
    private List<string> ListSnapshots() =>
        Directory.EnumerateFiles(DirectoryPath)
            .Select(path => System.IO.Path.GetFileName(path))
            .Where(name => SnapshotFileName.TryParse(name, out _))
            .OrderByDescending(name => name, StringComparer.Ordinal)
            .ToList();

    private static FileStreamOptions TempFileOptions()
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 0, // SnapshotBodyWriter hands over 1 MiB chunks already
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnlyFile; // tasks' payloads are inside
        return options;
    }

    private static void CreateFolder(string path)
    {
        if (Directory.Exists(path)) return;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else Directory.CreateDirectory(path, OwnerOnlyFolder);
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "Could not remove {File} after a failed snapshot write; the next write removes it once stale",
                System.IO.Path.GetFileName(path));
        }
    }
}
