namespace QueueService.Snapshots;

/// <summary>How <see cref="Stores.IQueueStore.ImportAsync(StoreSnapshot, ImportOptions, CancellationToken)"/> treats the tasks it creates.</summary>
public sealed record ImportOptions
{
    /// <summary>The rules of a plain restore: processing tasks come back queued.</summary>
    public static ImportOptions Default { get; } = new();

    /// <summary>
    /// When set, a task that was <c>processing</c> in the snapshot comes back <c>processing</c> under the
    /// same lease (worker id, lease token, attempt, start time), its lease expiring this long after the
    /// import (store time): the worker that holds it can renew it with a heartbeat or record its outcome
    /// as if nothing had happened, and the reaper reclaims it once the lease runs out unrenewed. A pending
    /// cancel stays pending. The sequence rises to at least the highest lease token imported, so a new
    /// lease never reuses a token. When null (the default), a processing task comes back queued at its
    /// place with its lease gone and the attempt not counted, as a hand-back at shutdown would leave it.
    /// A restore into Redis after Redis lost its data holds leases, because the workers that hold them
    /// may still be running; a restore into memory (the embedded API, whose workers died with it) does not.
    /// </summary>
    public TimeSpan? HoldLeasesFor { get; init; }
}
