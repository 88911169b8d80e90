using System.Globalization;
using Microsoft.Extensions.Logging;

namespace QueueService.Stores.Failover;

// The segment files: cutting and trimming to RedoMaxBytes, sealing, opening, naming and listing them.
public sealed partial class RedoLog
{
    // Under _lock, after a write that was recorded: the open segment holds an eighth of RedoMaxBytes. Seals it and opens
    // the next, then deletes the oldest segments while the log is over RedoMaxBytes — never the open one nor the one just
    // sealed, which holds the newest entries (a single batch may be larger than the bound). Never throws: the entries are
    // written; what cannot be listed or deleted is logged and tried again at the next cut.
    private void CutAndTrim()
    {
        SealSegment();
        TryStartSegment();
        try
        {
            var segments = ListSegments().Where(s => s.Ticks < _segmentTicks).Select(s => (s.Path, s.Ticks, Bytes: SizeOf(s.Path))).ToList();
            var total = segments.Sum(s => s.Bytes);
            foreach (var (path, ticks, bytes) in segments.SkipLast(1))
            {
                if (total <= _options.RedoMaxBytes) break;
                File.Delete(path);
                total -= bytes;
                LogSegmentDropped(path, ticks, bytes);
            }
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Redo log {Folder}: trimming to {MaxBytes} bytes failed ({Reason}); tried again at the next cut", FolderPath, _options.RedoMaxBytes, ex.Message);
        }
    }

    // Under _lock. Why the log outgrew its bound decides the advice: no backup written by this process, or too much between backups.
    private void LogSegmentDropped(string path, long ticks, long bytes)
    {
        var begun = ticks >= 0 && ticks <= DateTime.MaxValue.Ticks ? new DateTime(ticks, DateTimeKind.Utc).ToString("o", CultureInfo.InvariantCulture) : $"ticks {ticks}";
        if (_writtenBoundary is { } written && ticks >= written)
            _logger.LogWarning("Redo log {Folder} is over its {MaxBytes} bytes (Queue:Failover:RedoMaxBytes): its oldest segment {Path} ({Bytes} bytes, begun {Begun}) is deleted, "
                + "though the newest backup needs it: a restore after Redis lost its data will not know the changes it held. More than the bound was written since that "
                + "backup began: raise Queue:Failover:RedoMaxBytes or back up more often", FolderPath, _options.RedoMaxBytes, path, bytes, begun);
        else if (_writtenBoundary is not null)
            _logger.LogWarning("Redo log {Folder} is over its {MaxBytes} bytes (Queue:Failover:RedoMaxBytes): its oldest segment {Path} ({Bytes} bytes, begun {Begun}) is deleted: "
                + "a restore that falls back to the snapshot before the newest will not know the changes it held. More than the bound was written within two backups: "
                + "raise Queue:Failover:RedoMaxBytes or back up more often", FolderPath, _options.RedoMaxBytes, path, bytes, begun);
        else
            _logger.LogWarning("Redo log {Folder} is over its {MaxBytes} bytes (Queue:Failover:RedoMaxBytes): its oldest segment {Path} ({Bytes} bytes, begun {Begun}) is deleted: "
                + "a restore after Redis lost its data, from a snapshot older than the rest of the log, will not know the changes it held. This process has written no "
                + "backup since it started, and only backups compact the log (a replica that never holds the backup lock reaches this)", FolderPath, _options.RedoMaxBytes, path, bytes, begun);
    }

    // A segment a backup's compaction deleted meanwhile counts nothing.
    private static long SizeOf(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? file.Length : 0;
    }

    // Under _lock. A failed write may have left part of a record: cut the file back, or give the segment up.
    private void CutBackOrClose()
    {
        if (_file is null) return;
        try
        {
            _file.SetLength(_goodLength);
            _file.Position = _goodLength;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // The next append starts a new segment; this one ends in a torn record, which a read stops at.
            try { _file.Dispose(); }
            catch (IOException) { /* already failing */ }
            _file = null;
        }
    }

    // Under _lock.
    private void SealSegment()
    {
        if (_file is not { } file) return;
        try
        {
            if (_dirty) file.Flush(flushToDisk: true);
        }
        catch (IOException ex)
        {
            _logger.LogError(ex, "Redo log {Folder}: fsync failed as the segment was sealed ({Reason})", FolderPath, ex.Message);
        }
        try { file.Dispose(); }
        catch (IOException) { /* the data was written; the handle is gone either way */ }
        _file = null;
        _dirty = false;
    }

    // Under _lock. Opens a new segment named after a time later than every segment there; false (logged) when it cannot.
    private bool TryStartSegment()
    {
        var ticks = _time.GetUtcNow().UtcTicks;
        try
        {
            Directory.CreateDirectory(FolderPath);
            var newest = ListSegments().Select(s => s.Ticks).DefaultIfEmpty(0).Max();
            ticks = Math.Max(ticks, Math.Max(newest, _segmentTicks) + 1);
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.Read | FileShare.Delete,
                // Unbuffered: each append is one write to the OS, so a killed process loses nothing acknowledged.
                BufferSize = 0,
            };
            // Task payloads: owner-only.
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            var file = new FileStream(SegmentPath(ticks), options);
            file.Write(JournalFormat.Header());
            _file = file;
            _segmentTicks = ticks;
            _goodLength = JournalFormat.HeaderLength;
            _dirty = true;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _segmentTicks = ticks;
            if (!_failing)
            {
                _failing = true;
                _logger.LogError(ex, "Redo log {Folder}: a segment cannot be created ({Reason}); tried again at the next append", FolderPath, ex.Message);
            }
            return false;
        }
    }

    private string SegmentPath(long ticks) => Path.Combine(FolderPath, Prefix + ticks.ToString("D19", CultureInfo.InvariantCulture) + Extension);

    private List<(string Path, long Ticks)> ListSegments()
    {
        if (!Directory.Exists(FolderPath)) return [];
        var segments = new List<(string, long)>();
        foreach (var path in Directory.EnumerateFiles(FolderPath, Prefix + "*" + Extension))
        {
            var name = Path.GetFileName(path);
            var digits = name.AsSpan(Prefix.Length, name.Length - Prefix.Length - Extension.Length);
            if (digits.Length == 19 && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)) segments.Add((path, ticks));
        }
        segments.Sort((a, b) => a.Item2.CompareTo(b.Item2));
        return segments;
    }
}
