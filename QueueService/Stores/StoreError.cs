namespace QueueService.Stores;

/// <summary>
/// Why a store refused an operation. The negative values are the codes the Redis scripts return
/// (each script's header lists its own); <see cref="QueueStoreException"/> is the one C# shape.
/// </summary>
public enum StoreError
{
    /// <summary>No task has that id (or it was purged).</summary>
    NotFound = -1,
    /// <summary>The task's status does not allow the operation (cancel a completed task, retry a queued one).</summary>
    IllegalTransition = -2,
    /// <summary>The caller's lease is not the task's current lease: it expired and was reclaimed, or was never held.</summary>
    LeaseNotHeld = -6,
    /// <summary>The request itself is invalid (bad priority, oversize payload, bad queue name, …); nothing was sent to storage.</summary>
    Invalid = -10,
    /// <summary>
    /// The storage could not be reached, timed out, or is briefly refusing work (loading, failing
    /// over, out of memory); the operation may or may not have applied. Worth retrying later.
    /// </summary>
    Unavailable = -20,
    /// <summary>
    /// The storage rejected the operation: a bug (a script error) or a misconfigured server (a key of
    /// the wrong type under the namespace, a disabled command, missing permissions). Nothing to
    /// retry: the same call fails the same way until someone fixes it. Logged at Error by the store.
    /// </summary>
    Internal = -30,
}
