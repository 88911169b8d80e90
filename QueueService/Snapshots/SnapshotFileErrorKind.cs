namespace QueueService.Snapshots;

/// <summary>Why a snapshot file cannot be used, in the order <see cref="SnapshotFile.Read"/> checks.</summary>
public enum SnapshotFileErrorKind
{
    /// <summary>The file has no bytes at all (created, never written).</summary>
    Empty,
    /// <summary>The file starts like ours but ends inside the fixed header.</summary>
    TruncatedHeader,
    /// <summary>Not a snapshot of ours: the first bytes are not the magic (another format, a stray file).</summary>
    Foreign,
    /// <summary>Our magic, but the header's own checksum fails (a damaged length, checksum or version field).</summary>
    CorruptHeader,
    /// <summary>An intact header of a format version newer than this build reads.</summary>
    FutureVersion,
    /// <summary>The file ends before the body length the header announces.</summary>
    TruncatedBody,
    /// <summary>Bytes follow the body the header announces (something was appended).</summary>
    TrailingData,
    /// <summary>The body's bytes do not hash to the checksum in the header (damaged on disk or in transit).</summary>
    ChecksumMismatch,
    /// <summary>The body passed its checksum but is not a MessagePack <see cref="StoreSnapshot"/>.</summary>
    UndecodableBody,
    /// <summary>The file could not be read at all (an I/O or permission error); set by <see cref="SnapshotDirectory"/>, never by <see cref="SnapshotFile"/>.</summary>
    Unreadable,
}
