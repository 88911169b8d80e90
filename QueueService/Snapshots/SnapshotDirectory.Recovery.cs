using Microsoft.Extensions.Logging;

namespace QueueService.Snapshots;

public sealed partial class SnapshotDirectory
{
    /// <summary>
    /// Finds the newest snapshot that is whole. Snapshots are tried newest first; each refused one
    /// (any <see cref="SnapshotFileErrorKind"/>, an I/O error reading it included) is logged with its
    /// file and reason and moved to <see cref="QuarantinePath"/>, never deleted and never over another
    /// quarantined file, and the next older one is tried. Temp files and files not named like
    /// snapshots are ignored.
    /// </summary>
    /// <returns>The newest valid snapshot and the files refused before it; not found when the folder is missing, empty or all bad.</returns>
    /// <exception cref="IOException">The folder itself cannot be listed (a bad file never throws).</exception>
    /// <exception cref="UnauthorizedAccessException">The folder itself cannot be listed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; files already refused stay in quarantine.</exception>
    public SnapshotRecovery ReadNewestValid(CancellationToken cancellationToken = default)
    {
        _gate.Wait(cancellationToken);
        try
        {
            var rejected = new List<RejectedSnapshot>();
            if (!Directory.Exists(DirectoryPath))
            {
                _logger.LogInformation("No snapshot to read: {Directory} does not exist", DirectoryPath);
                return new SnapshotRecovery(null, null, 0, TimeSpan.Zero, rejected);
            }

            foreach (var name in ListSnapshots())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var path = System.IO.Path.Combine(DirectoryPath, name);
                var started = _time.GetTimestamp();
                var result = Read(path, out var bytes, cancellationToken);
                if (result is null) continue;
                if (result.IsValid)
                {
                    var duration = _time.GetElapsedTime(started);
                    _logger.LogInformation("Snapshot read: {File}, {Tasks} tasks, {Bytes} bytes in {ElapsedMs} ms",
                        name, result.Snapshot.Tasks.Count, bytes, (long)duration.TotalMilliseconds);
                    return new SnapshotRecovery(result.Snapshot, path, bytes, duration, rejected);
                }
                rejected.Add(Quarantine(name, result.Error));
            }

            if (rejected.Count == 0)
                _logger.LogInformation("No snapshot to read in {Directory}", DirectoryPath);
            else
                _logger.LogWarning("No valid snapshot in {Directory}: all {Rejected} snapshot files were refused", DirectoryPath, rejected.Count);
            return new SnapshotRecovery(null, null, 0, TimeSpan.Zero, rejected);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <returns>Null when the file vanished since the listing (another process rotated or quarantined it): skip it.</returns>
    private SnapshotReadResult? Read(string path, out long bytes, CancellationToken cancellationToken)
    {
        bytes = 0;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
            bytes = file.Length;
            return SnapshotFile.Read(_wrapRead(file), cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            _logger.LogDebug("Snapshot {File} vanished before it could be read; skipped", System.IO.Path.GetFileName(path));
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return SnapshotReadResult.Invalid(SnapshotFileErrorKind.Unreadable, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private RejectedSnapshot Quarantine(string name, SnapshotFileError error)
    {
        var source = System.IO.Path.Combine(DirectoryPath, name);
        try
        {
            CreateFolder(QuarantinePath);
            for (var copy = 0; ; copy++)
            {
                // snapshot-…Z.rqsnap, then snapshot-…Z~1.rqsnap, …: the same file may be refused twice
                // (restored by hand, refused again) and both stay.
                var target = System.IO.Path.Combine(QuarantinePath, copy == 0
                    ? name
                    : $"{System.IO.Path.GetFileNameWithoutExtension(name)}~{copy}{SnapshotFileName.Extension}");
                try
                {
                    File.Move(source, target, overwrite: false);
                    _logger.LogError("Snapshot {File} refused ({Reason}: {Detail}); moved to {QuarantinedAs}",
                        name, error.Kind, error.Message, target);
                    return new RejectedSnapshot(name, error, target);
                }
                catch (IOException) when (File.Exists(target) && File.Exists(source))
                {
                    // that quarantine name is taken: try the next
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogError(ex, "Snapshot {File} refused ({Reason}: {Detail}); could not move it to quarantine, left in place",
                name, error.Kind, error.Message);
            return new RejectedSnapshot(name, error, null);
        }
    }
}
