using QueueService.Stores.Failover;

namespace QueueService.Snapshots;

/// <summary>
/// What a restore merges into the newest snapshot after the store lost its data: the changes made since the
/// snapshot before the newest one (the API's <see cref="RedoLog"/>, see docs/failover.md). The
/// <see cref="BackupService"/> tells it when each backup starts and when it is written, so it can keep just
/// the two newest generations.
/// </summary>
public interface IRestoreLog
{
    /// <summary>How long a lease brought back by a restore into Redis lasts (<see cref="FailoverOptions.RestoredLeaseDuration"/>).</summary>
    TimeSpan RestoredLeaseDuration { get; }

    /// <summary>A backup starts: what is logged from now on goes into a new segment. Never throws (a failure is logged).</summary>
    void BackupStarting();

    /// <summary>
    /// The backup that last started was written: the segments sealed before the backup before it started are
    /// deleted, so the log always covers the two newest snapshots. Never throws (a failure is logged).
    /// </summary>
    void BackupWritten();

    /// <summary>Every entry the log holds, oldest first. A damaged segment gives the entries before the damage (logged).</summary>
    /// <exception cref="IOException">The log's folder could not be read.</exception>
    Task<IReadOnlyList<JournalEntry>> ReadAllAsync(CancellationToken cancellationToken = default);
}
