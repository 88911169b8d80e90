namespace QueueService.Snapshots;

/// <summary>What the start-up restore decided.</summary>
public enum RestoreOutcome
{
    /// <summary>No valid snapshot was found.</summary>
    NoSnapshot,
    /// <summary>The store still holds the snapshot's epoch: it is authoritative.</summary>
    StoreAuthoritative,
    /// <summary>The snapshot was imported.</summary>
    Restored,
}

/// <summary>What the start-up restore did.</summary>
public sealed record RestoreResult(RestoreOutcome Outcome, string? File, int Imported, int Skipped, int Requeued, long DurationMs)
{
    /// <summary>Tasks the redo log held that the snapshot lacked (enqueued since it), restored with it.</summary>
    public int EnqueuedFromLog { get; init; }

    /// <summary>Tasks restored processing under their lease, the snapshot's or a later one the redo log recorded (a restore into Redis with a redo log only).</summary>
    public int LeasesHeld { get; init; }

    /// <summary>The redo log's cancels and retries applied after the import.</summary>
    public int ChangesApplied { get; init; }
}
