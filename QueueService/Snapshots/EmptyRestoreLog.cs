using QueueService.Stores.Failover;

namespace QueueService.Snapshots;

/// <summary>A restore log that holds nothing (hosts without a redo log: the in-memory store).</summary>
public sealed class EmptyRestoreLog : IRestoreLog
{
    /// <summary>The one instance.</summary>
    public static EmptyRestoreLog Instance { get; } = new();

    private EmptyRestoreLog()
    {
    }

    /// <inheritdoc/>
    public TimeSpan RestoredLeaseDuration => new FailoverOptions().RestoredLeaseDuration;

    /// <inheritdoc/>
    public void BackupStarting()
    {
    }

    /// <inheritdoc/>
    public void BackupWritten()
    {
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<JournalEntry>> ReadAllAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<JournalEntry>>([]);
}
