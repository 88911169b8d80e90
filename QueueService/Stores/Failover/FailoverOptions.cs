using System.ComponentModel.DataAnnotations;

namespace QueueService.Stores.Failover;

/// <summary>
/// The failover of a Redis-backed API to memory while Redis is unreachable (<c>Queue:Failover</c>). See
/// docs/failover.md.
/// </summary>
public sealed class FailoverOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Queue:Failover";

    /// <summary>True to accept submissions into memory (journalled to disk) while Redis is down; default true for the API.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The journal file of tasks accepted during an outage; default <c>failover/journal.rqj</c> under the backup directory.</summary>
    public string? JournalPath { get; set; }

    /// <summary>
    /// How long the journal waits for more appends before it writes and fsyncs a batch; default 0. Appends that arrive
    /// while an fsync runs are written together by the next one anyway, so waiting only adds latency on this disk
    /// (measured in docs/failover.md: 2 ms capped one submitter at ~210/s against ~990/s without).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan CommitWindow { get; set; } = TimeSpan.Zero;

    /// <summary>The most entries one group commit writes; default 1024.</summary>
    [Range(1, 100_000)]
    public int MaxCommitBatch { get; set; } = 1024;

    /// <summary>How often Redis is probed while the store runs on memory; default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often, while the store runs on memory, the journal is folded into the emergency snapshot (the outage's memory
    /// store written whole, <c>failover/emergency/</c> beside the journal) and emptied, so a restart replays one file and a
    /// short journal instead of every change of a long outage; default 60 s. A snapshot is also written as the store fails
    /// over, at a graceful stop during an outage, and once the journal holds <see cref="EmergencySnapshotAfterEntries"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan EmergencySnapshotInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How many journal entries make the next probe tick fold the journal into the emergency snapshot; default 10,000.</summary>
    [Range(1, 10_000_000)]
    public int EmergencySnapshotAfterEntries { get; set; } = 10_000;

    /// <summary>The folder of the redo log (what Redis was told since the snapshot before the newest one); default <c>failover/redo</c> under the backup directory.</summary>
    public string? RedoPath { get; set; }

    /// <summary>
    /// The most bytes the redo log keeps on disk; default 4 GiB (64 KiB to 1 TiB). Backups compact it to the two newest
    /// snapshots; an API that writes no backups (a replica that never holds the backup lock) is never compacted. Past
    /// this size the oldest segments are deleted, each logged at Warning saying which restore loses what: with backups
    /// that takes more than this written within two backup intervals (at 55 bytes a small task, about 78 million
    /// submissions and starts). A segment is cut once it holds an eighth of this; the newest sealed segment always stays.
    /// </summary>
    [Range(typeof(long), "65536", "1099511627776")]
    public long RedoMaxBytes { get; set; } = 4L << 30;

    /// <summary>How long a lease a restore into Redis brings back lasts (the worker renews it with its next heartbeat); default 30 s, the worker's default lease.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RestoredLeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the reaper reclaims no lease after the store switched back from memory-fallback to Redis, so a worker whose lease ran out during the outage renews it first; default 15 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ReapGraceAfterOutage { get; set; } = TimeSpan.FromSeconds(15);
}
