namespace QueueService.Snapshots;

/// <summary>Why a snapshot file was refused: the kind to branch on and a message for people.</summary>
/// <param name="Kind">What is wrong, one of a fixed set.</param>
/// <param name="Message">What was found, with the numbers (offsets, lengths, versions, checksums) that prove it.</param>
public sealed record SnapshotFileError(SnapshotFileErrorKind Kind, string Message)
{
    /// <summary>The kind and the message, as logged: <c>ChecksumMismatch: the body hashes to …</c>.</summary>
    public override string ToString() => $"{Kind}: {Message}";
}
