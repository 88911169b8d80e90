using Microsoft.Extensions.Logging;

namespace QueueService.Stores.Failover;

/// <summary>
/// The append-only, checksummed journal of changes accepted while Redis is down (see docs/failover.md).
/// <see cref="AppendAsync(JournalEntry, CancellationToken)"/> completes only once the entry is on disk (written and fsynced); appends that
/// arrive together share one write and one fsync (group commit, <see cref="FailoverOptions.CommitWindow"/>).
/// <see cref="OpenAsync"/> reads back what an earlier process left (a torn last entry from a crash mid-write
/// is cut off and logged; a corrupt entry stops the replay there, is logged, and the file is kept aside).
/// </summary>
public sealed class FailoverJournal : IAsyncDisposable
{
    private FailoverJournal()
    {
    }

    /// <summary>The entries found in the file when it was opened, in the order they were written.</summary>
    public IReadOnlyList<JournalEntry> Replayed { get; } = [];

    /// <summary>Entries in the file now (replayed plus appended since).</summary>
    public long Count => throw new NotImplementedException();

    /// <summary>Opens (creating it and its folder when missing) the journal at <paramref name="path"/> and replays it.</summary>
    public static Task<FailoverJournal> OpenAsync(string path, FailoverOptions options, TimeProvider time, ILogger logger, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Appends <paramref name="entry"/>; completes when it is durable. Throws <see cref="IOException"/> when it could not be made so (nothing acknowledged).</summary>
    public Task AppendAsync(JournalEntry entry, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Appends several entries in one group; completes when all are durable.</summary>
    public Task AppendAsync(IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Empties the journal durably (after its tasks were drained into Redis).</summary>
    public Task ResetAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => throw new NotImplementedException();
}
