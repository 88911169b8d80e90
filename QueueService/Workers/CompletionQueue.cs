using System.Threading.Channels;
using QueueService.Stores;

namespace QueueService.Workers;

/// <summary>
/// The completions of this worker's handlers, waiting for the lease loop's next call: the loop records them with
/// <see cref="IQueueStore.CompleteAndLeaseAsync"/> and fills the slots they freed in the same round trip, and records
/// many in one call when many handlers finish while a call is under way (group commit). Once the loop has stopped
/// (<see cref="Close"/>), <see cref="TrySubmit"/> refuses and the runner records by itself.
/// </summary>
internal sealed class CompletionQueue
{
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    // Queued and not yet taken (a single-reader channel does not count).
    private int _waiting;

    /// <summary>
    /// Queues a completion for the loop's next call.
    /// </summary>
    /// <param name="completion">The lease and result.</param>
    /// <param name="slot">The runner's slot, freed when the loop takes the completion (the call then fills it again).</param>
    /// <param name="cancellationToken">The try's time-out: when it fires before the loop took the completion, the completion
    /// is dropped from the queue and <paramref name="recorded"/> is cancelled; once taken, the call decides (the client's
    /// own time-out bounds it).</param>
    /// <param name="recorded">Completes when the store recorded it; faults with its refusal (<see cref="StoreError.LeaseNotHeld"/>,
    /// <see cref="StoreError.NotFound"/>) or with the call's own failure.</param>
    /// <returns>False once the loop has stopped taking completions.</returns>
    public bool TrySubmit(TaskCompletion completion, WorkerSlot slot, CancellationToken cancellationToken, out Task recorded)
    {
        var pending = new Pending(completion, slot);
        // Registered before it is queued, so the loop never sees it without its registration.
        if (cancellationToken.CanBeCanceled)
            pending.Registration = cancellationToken.Register(static state => ((Pending)state!).Done.TrySetCanceled(), pending);
        Interlocked.Increment(ref _waiting);
        if (!_pending.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _waiting);
            pending.Registration.Dispose();
            recorded = Task.CompletedTask;
            return false;
        }
        recorded = pending.Done.Task;
        return true;
    }

    /// <summary>Completes when a completion is waiting (or the queue is closed and empty).</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _pending.Reader.WaitToReadAsync(cancellationToken).AsTask();

    /// <summary>Whether a completion may be waiting (cheap; a false answer is exact only until the next submit).</summary>
    public bool HasWaiting => Volatile.Read(ref _waiting) > 0;

    /// <summary>Takes the waiting completions, at most <paramref name="max"/>, skipping those whose try already timed out.</summary>
    public List<Pending> Take(int max)
    {
        var taken = new List<Pending>();
        while (taken.Count < max && _pending.Reader.TryRead(out var pending))
        {
            Interlocked.Decrement(ref _waiting);
            // Taken: from here the call decides, not the try's time-out (a call that applied and answered late must not be
            // tried again as a second, refused completion). Disposing waits for a time-out firing right now to finish.
            pending.Registration.Dispose();
            if (!pending.Done.Task.IsCompleted) taken.Add(pending);
        }
        return taken;
    }

    /// <summary>Stops taking completions: later submits are refused; the ones queued before can still be taken.</summary>
    public void Close() => _pending.Writer.TryComplete();

    /// <summary>Answers each taken completion with what the store said of it.</summary>
    public static void Resolve(List<Pending> taken, IReadOnlyList<QueueStoreException?> refusals)
    {
        for (var i = 0; i < taken.Count; i++)
        {
            if (refusals[i] is { } refused) taken[i].Done.TrySetException(refused);
            else taken[i].Done.TrySetResult();
            taken[i].Registration.Dispose();
        }
    }

    /// <summary>Answers each taken completion with the call's failure: each runner decides, as for its own call (hold, retry, give up).</summary>
    public static void Fail(List<Pending> taken, Exception failure)
    {
        foreach (var pending in taken)
        {
            pending.Done.TrySetException(failure);
            pending.Registration.Dispose();
        }
    }

    /// <summary>
    /// What a taken completion's runner gets when the call it shared failed for a reason that need not be its own (the
    /// lease half, another task's completion): it records its completion again at once, alone.
    /// </summary>
    internal sealed class SharedCallFailedException(Exception inner)
        : Exception($"The call that recorded this completion with others failed: {inner.Message}", inner);

    /// <summary>One queued completion.</summary>
    internal sealed class Pending(TaskCompletion completion, WorkerSlot slot)
    {
        public TaskCompletion Completion { get; } = completion;

        public WorkerSlot Slot { get; } = slot;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }
    }
}
