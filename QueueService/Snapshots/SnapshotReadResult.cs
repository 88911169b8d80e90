using System.Diagnostics.CodeAnalysis;

namespace QueueService.Snapshots;

/// <summary>
/// What <see cref="SnapshotFile.Read"/> found: a snapshot, or the reason there is none. Exactly one of
/// <see cref="Snapshot"/> and <see cref="Error"/> is set; test <see cref="IsValid"/> and the compiler
/// knows which.
/// </summary>
public sealed class SnapshotReadResult
{
    private SnapshotReadResult(StoreSnapshot? snapshot, SnapshotFileError? error)
    {
        Snapshot = snapshot;
        Error = error;
        IsValid = snapshot is not null;
    }

    /// <summary>True when the file held a whole, verified snapshot.</summary>
    [MemberNotNullWhen(true, nameof(Snapshot))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsValid { get; }

    /// <summary>The snapshot; null when <see cref="IsValid"/> is false.</summary>
    public StoreSnapshot? Snapshot { get; }

    /// <summary>Why the file was refused; null when <see cref="IsValid"/> is true.</summary>
    public SnapshotFileError? Error { get; }

    internal static SnapshotReadResult Valid(StoreSnapshot snapshot) => new(snapshot, null);

    internal static SnapshotReadResult Invalid(SnapshotFileErrorKind kind, string message) =>
        new(null, new SnapshotFileError(kind, message));
}
