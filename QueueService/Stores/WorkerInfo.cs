using QueueService.Tasks;

namespace QueueService.Stores;

/// <summary>One live worker process as the registry knows it (<see cref="IQueueStore.RegisterWorkerAsync"/>).</summary>
/// <param name="WorkerId">The worker's id, as in its leases (unique among live workers).</param>
/// <param name="Host">The machine it runs on.</param>
/// <param name="ProcessId">Its process id on <paramref name="Host"/>.</param>
/// <param name="Queues">The queues it leases from.</param>
/// <param name="Concurrency">How many tasks it runs at once.</param>
/// <param name="CurrentTaskIds">The tasks it was running at its last registration.</param>
/// <param name="StartedAt">When it started (the worker's own clock).</param>
public sealed record WorkerInfo(
    string WorkerId,
    string Host,
    int ProcessId,
    IReadOnlyList<string> Queues,
    int Concurrency,
    IReadOnlyList<string> CurrentTaskIds,
    DateTimeOffset StartedAt)
{
    /// <summary>The longest a registration may live without a refresh.</summary>
    public static readonly TimeSpan MaxTtl = TimeSpan.FromHours(1);

    /// <summary>When the store last registered it, by the store's clock (whatever the caller sets is ignored).</summary>
    public DateTimeOffset LastHeartbeatAt { get; init; }

    /// <summary>Checks a registration before it reaches storage; the first problem wins. Written once for both stores.</summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> naming the field: <c>workerId</c>, <c>ttl</c>, <c>host</c>, <c>queues</c>, <c>concurrency</c> or <c>currentTaskIds</c>.</exception>
    internal static void Validate(WorkerInfo? worker, TimeSpan ttl)
    {
        if (worker is null) throw QueueStoreException.Invalid("worker", "a worker is required.");
        ValidateWorkerId(worker.WorkerId);
        if (ttl <= TimeSpan.Zero || ttl > MaxTtl)
            throw QueueStoreException.Invalid("ttl", $"the ttl must be more than 0 and at most {MaxTtl}; got {ttl}.");
        if (worker.Host is null) throw QueueStoreException.Invalid("host", "a host is required (may be empty).");
        if (worker.Queues is null) throw QueueStoreException.Invalid("queues", "queues are required (may be empty).");
        foreach (var queue in worker.Queues) TaskLimits.ValidateQueueName(queue, "queues");
        if (worker.Concurrency < 1) throw QueueStoreException.Invalid("concurrency", $"concurrency must be 1 or more; got {worker.Concurrency}.");
        if (worker.CurrentTaskIds is null || worker.CurrentTaskIds.Any(string.IsNullOrEmpty))
            throw QueueStoreException.Invalid("currentTaskIds", "current task ids are required (may be empty) and none may be empty.");
    }

    /// <summary>A ttl in whole milliseconds, rounded up so a sub-millisecond ttl still lives 1 ms (both stores).</summary>
    internal static long TtlMs(TimeSpan ttl) => (long)Math.Ceiling(ttl.TotalMilliseconds);

    /// <summary>Checks a worker id.</summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> (field <c>workerId</c>) for a null, blank or over-long id.</exception>
    internal static void ValidateWorkerId(string? workerId)
    {
        if (string.IsNullOrWhiteSpace(workerId) || workerId.Length > 256)
            throw QueueStoreException.Invalid("workerId", "a worker id must be 1-256 characters, not blank.");
    }
}
