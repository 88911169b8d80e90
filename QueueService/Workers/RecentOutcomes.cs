using QueueService.Stores;

namespace QueueService.Workers;

/// <summary>
/// The outcomes this worker recorded lately, by lease (task id and lease token), so that a lease a restore
/// brings back after Redis lost its data is recorded again rather than run again. Bounded three ways: an
/// outcome is kept for the retention, at most <see cref="MaxEntries"/> of them, and at most
/// <see cref="MaxTextBytes"/> of results and error messages (as they sit in memory, two bytes a character);
/// the oldest go first. Thread-safe.
/// </summary>
internal sealed class RecentOutcomes
{
    /// <summary>The most outcomes kept (default limit).</summary>
    public const int DefaultMaxEntries = 50_000;

    /// <summary>The most result and error text kept, in bytes (default limit: 64 MiB).</summary>
    public const long DefaultMaxTextBytes = 64L * 1024 * 1024;

    private readonly TimeSpan _retention;
    private readonly TimeProvider _time;
    private readonly Dictionary<(string TaskId, long LeaseToken), LinkedListNode<Entry>> _byLease = [];
    // Oldest first: entries are only ever added at the end, so expiry and eviction take from the front.
    private readonly LinkedList<Entry> _oldestFirst = new();
    private readonly Lock _lock = new();
    private long _textBytes;

    public RecentOutcomes(TimeSpan retention, TimeProvider time, int maxEntries = DefaultMaxEntries, long maxTextBytes = DefaultMaxTextBytes)
    {
        _retention = retention;
        _time = time;
        MaxEntries = maxEntries;
        MaxTextBytes = maxTextBytes;
    }

    public int MaxEntries { get; }
    public long MaxTextBytes { get; }

    /// <summary>How many outcomes are kept now (expired ones may still count until the next call).</summary>
    public int Count
    {
        get { lock (_lock) return _byLease.Count; }
    }

    /// <summary>The bytes of result and error text kept now.</summary>
    public long TextBytes
    {
        get { lock (_lock) return _textBytes; }
    }

    /// <summary>Remembers <paramref name="outcome"/> as the one recorded for <paramref name="lease"/>, replacing an earlier one.</summary>
    /// <returns>False when it is not kept: retention is zero, or its text alone exceeds <see cref="MaxTextBytes"/>.</returns>
    public bool Remember(TaskLease lease, HeldOutcome outcome)
    {
        var bytes = outcome.TextLength * sizeof(char);
        if (_retention <= TimeSpan.Zero || bytes > MaxTextBytes || MaxEntries < 1)
            return false;
        // The payload is not needed to record an outcome, and may be a megabyte: do not keep it alive.
        var entry = new Entry(lease with { PayloadJson = "" }, outcome, bytes, _time.GetTimestamp());
        lock (_lock)
        {
            RemoveLocked((lease.TaskId, lease.LeaseToken));
            DropExpiredLocked();
            while (_byLease.Count >= MaxEntries || _textBytes + bytes > MaxTextBytes)
                RemoveLocked(_oldestFirst.First!.Value.Key);
            _byLease[entry.Key] = _oldestFirst.AddLast(entry);
            _textBytes += bytes;
        }
        return true;
    }

    /// <summary>The outcome remembered for the lease with <paramref name="leaseToken"/> on task <paramref name="taskId"/>, if any.</summary>
    /// <returns>The lease (without its payload) and the outcome, or null when none is kept.</returns>
    public (TaskLease Lease, HeldOutcome Outcome)? Find(string taskId, long leaseToken)
    {
        lock (_lock)
        {
            DropExpiredLocked();
            return _byLease.TryGetValue((taskId, leaseToken), out var node) ? (node.Value.Lease, node.Value.Outcome) : null;
        }
    }

    private void DropExpiredLocked()
    {
        while (_oldestFirst.First is { } oldest && _time.GetElapsedTime(oldest.Value.RememberedAt) > _retention)
            RemoveLocked(oldest.Value.Key);
    }

    private void RemoveLocked((string, long) key)
    {
        if (!_byLease.Remove(key, out var node)) return;
        _oldestFirst.Remove(node);
        _textBytes -= node.Value.TextBytes;
    }

    private sealed record Entry(TaskLease Lease, HeldOutcome Outcome, long TextBytes, long RememberedAt)
    {
        public (string, long) Key => (Lease.TaskId, Lease.LeaseToken);
    }
}
