using System.Diagnostics.CodeAnalysis;

namespace QueueService.Snapshots;

/// <summary>
/// What <see cref="SnapshotDirectory.ReadNewestValid"/> found: the newest valid snapshot, if any, and the
/// newer files it refused on the way. Test <see cref="IsFound"/> before using <see cref="Snapshot"/>.
/// </summary>
public sealed class SnapshotRecovery
{
    internal SnapshotRecovery(StoreSnapshot? snapshot, string? path, long bytes, TimeSpan duration, IReadOnlyList<RejectedSnapshot> rejected)
    {
        Snapshot = snapshot;
        Path = path;
        Bytes = bytes;
        Duration = duration;
        Rejected = rejected;
        IsFound = snapshot is not null && path is not null;
    }

    /// <summary>True when a valid snapshot was found; false when the directory is missing, empty, or every file was refused.</summary>
    [MemberNotNullWhen(true, nameof(Snapshot), nameof(Path))]
    public bool IsFound { get; }

    /// <summary>The snapshot, verified; null when none was found.</summary>
    public StoreSnapshot? Snapshot { get; }

    /// <summary>The full path of the file it came from; null when none was found.</summary>
    public string? Path { get; }

    /// <summary>That file's size, header included; 0 when none was found.</summary>
    public long Bytes { get; }

    /// <summary>Time spent reading and decoding that file (not the files refused before it).</summary>
    public TimeSpan Duration { get; }

    /// <summary>
    /// Newer files refused on the way, newest first, each already logged and moved to quarantine. A
    /// <see cref="SnapshotFileErrorKind.FutureVersion"/> among them means a newer build wrote snapshots
    /// here: what was found (if anything) is older than the newest state.
    /// </summary>
    public IReadOnlyList<RejectedSnapshot> Rejected { get; }
}

/// <summary>A snapshot file that was refused.</summary>
/// <param name="FileName">Its name in the snapshot directory.</param>
/// <param name="Error">Why it was refused.</param>
/// <param name="QuarantinedAs">Its full path in <c>quarantine/</c>; null when it could not be moved and was left in place.</param>
public sealed record RejectedSnapshot(string FileName, SnapshotFileError Error, string? QuarantinedAs);
