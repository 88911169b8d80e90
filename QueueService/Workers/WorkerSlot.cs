namespace QueueService.Workers;

/// <summary>
/// One of the worker's <see cref="WorkerOptions.Concurrency"/> slots, held by a runner from its lease until its handler's
/// completion is taken by the lease loop (which fills the slot again in the same call) or, for any other ending, until
/// the runner ends. Freed exactly once, by whichever comes first.
/// </summary>
internal sealed class WorkerSlot
{
    private int _freed;

    /// <summary>True for the one caller that frees it.</summary>
    public bool TryFree() => Interlocked.Exchange(ref _freed, 1) == 0;
}
