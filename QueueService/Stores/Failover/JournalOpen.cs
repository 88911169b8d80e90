using Microsoft.Extensions.Logging;

namespace QueueService.Stores.Failover;

// Opening and replaying a FailoverJournal: whatever the file holds, the start goes on, and nothing is dropped unlogged.
public sealed partial class FailoverJournal
{
    /// <summary>The folder, beside the journal, where damaged or foreign journal files are kept for a person to inspect.</summary>
    public const string QuarantineFolder = "quarantine";

    private static FailoverJournal Open(string path, FailoverOptions options, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var file = OpenFile(path, logger);
        try
        {
            var read = JournalReader.Read(file, cancellationToken);
            var good = read.GoodLength;
            switch (read.Outcome)
            {
                case JournalReadOutcome.Clean:
                    break;
                case JournalReadOutcome.Empty:
                    good = WriteHeader(file);
                    break;
                case JournalReadOutcome.TornTail:
                    logger.LogWarning("Failover journal {JournalPath}: the last record was cut short (a crash mid-write); {DroppedBytes} bytes from offset {Offset} dropped, "
                        + "{Entries} entries before it kept ({Reason})", path, read.FileLength - good, good, read.Entries.Count, read.Problem);
                    good = good == 0 ? WriteHeader(file) : Cut(file, good);
                    break;
                case JournalReadOutcome.Corrupt:
                {
                    var copy = Quarantine(file, path, time, move: false);
                    logger.LogError("Failover journal {JournalPath}: damaged record at offset {Offset}: {Reason}. Replay stopped there: {Entries} entries before it are kept, "
                        + "{DroppedBytes} bytes from it on are not replayed; the whole file was copied to {QuarantinePath}",
                        path, good, read.Problem, read.Entries.Count, read.FileLength - good, copy);
                    good = Cut(file, good);
                    break;
                }
                case JournalReadOutcome.Unreadable:
                {
                    file.Dispose();
                    var moved = Quarantine(null, path, time, move: true);
                    logger.LogError("Failover journal {JournalPath}: {Reason}. Nothing in it is replayed; it was moved to {QuarantinePath} and an empty journal started",
                        path, read.Problem, moved);
                    file = OpenFile(path, logger);
                    good = WriteHeader(file);
                    break;
                }
            }
            file.Position = good;
            return new FailoverJournal(file, path, options, time, logger, read.Entries, good);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static FileStream OpenFile(string path, ILogger logger)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read,
            // Unbuffered: a write goes to the OS at once, so its failure surfaces in that batch.
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var file = new FileStream(path, options);
        if (!OperatingSystem.IsWindows())
        {
            // The journal holds task payloads: owner-only, also for a file an older build or a person created.
            try
            {
                File.SetUnixFileMode(file.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(error, "Failover journal {JournalPath}: could not restrict the file to its owner (mode 0600)", path);
            }
        }
        return file;
    }

    private static long WriteHeader(FileStream file)
    {
        file.SetLength(0);
        file.Position = 0;
        file.Write(JournalFormat.Header());
        file.Flush(flushToDisk: true);
        return JournalFormat.HeaderLength;
    }

    private static long Cut(FileStream file, long length)
    {
        file.SetLength(length);
        file.Flush(flushToDisk: true);
        return length;
    }

    // Copies (from the open handle) or moves the file to quarantine/<name>.<timestamp>.corrupt; returns where it went.
    private static string Quarantine(FileStream? file, string path, TimeProvider time, bool move)
    {
        var folder = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, QuarantineFolder);
        Directory.CreateDirectory(folder);
        var stem = System.IO.Path.Combine(folder, $"{System.IO.Path.GetFileName(path)}.{Timestamp(time)}");
        var target = stem + ".corrupt";
        for (var n = 2; File.Exists(target); n++) target = $"{stem}-{n}.corrupt";
        if (move)
        {
            File.Move(path, target);
            return target;
        }
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var copy = new FileStream(target, options))
        {
            file!.Position = 0;
            file.CopyTo(copy);
            copy.Flush(flushToDisk: true);
        }
        return target;
    }
}
