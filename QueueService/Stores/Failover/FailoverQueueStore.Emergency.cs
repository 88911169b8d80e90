using Microsoft.Extensions.Logging;
using QueueService.Snapshots;
using QueueService.Stores.Memory;

namespace QueueService.Stores.Failover;

// The emergency snapshot (docs/failover.md, "Emergency snapshot"): the outage's memory store written whole, so the
// journal can be emptied. Written as the store fails over, every EmergencySnapshotInterval and once the journal holds
// EmergencySnapshotAfterEntries while the outage lasts, and at a graceful stop during it; read back before the journal
// at start; deleted once its tasks are drained into Redis.
public sealed partial class FailoverQueueStore
{
    // True from the switch to memory until the first emergency snapshot of the outage is written.
    private volatile bool _emergencyOwed;
    // When the last emergency snapshot was written (a TimeProvider timestamp); 0: none this outage.
    private long _lastEmergencyAt;
    private int _emergencyWrites;
    // Failed tries in a row at the probe tick (one Error for the streak, then Debug), and when the next may go.
    private int _emergencyFailures;
    private long _emergencyRetryAt;
    private static readonly TimeSpan FirstEmergencyRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxEmergencyRetry = TimeSpan.FromMinutes(1);

    /// <summary>Emergency snapshots written since the store started (for tests and logs).</summary>
    public int EmergencySnapshotCount => Volatile.Read(ref _emergencyWrites);

    /// <summary>
    /// Writes every task accepted during the outage (the memory store, whole) as the newest emergency snapshot and
    /// empties the journal, behind the drain gate so no change lands between the two. A crash between them leaves
    /// both, and replaying the journal over the snapshot changes nothing (enqueues are by id; a cancel or retry that
    /// already applied is refused and skipped). Does nothing in redis mode, without an emergency folder or journal.
    /// </summary>
    /// <returns>The file written; null when nothing was written.</returns>
    /// <exception cref="IOException">The snapshot or the journal could not be written: the journal keeps every change.</exception>
    /// <exception cref="UnauthorizedAccessException">The emergency folder cannot be written: the journal keeps every change.</exception>
    public async Task<SnapshotWriteResult?> WriteEmergencySnapshotAsync(string reason, CancellationToken cancellationToken = default)
    {
        if (emergencySnapshots is null || _journal is not { } journal || !_fallback) return null;
        await _gate.CloseAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_fallback) return null;
            var entries = journal.Count;
            var written = await emergencySnapshots.WriteAsync(_memory.ExportPagesAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
            await journal.ResetAsync(cancellationToken).ConfigureAwait(false);
            _emergencyOwed = false;
            Interlocked.Exchange(ref _lastEmergencyAt, _time.GetTimestamp());
            Interlocked.Increment(ref _emergencyWrites);
            _logger.LogInformation("Emergency snapshot ({Reason}): {Tasks} tasks accepted during the outage written to {File} in {DurationMs} ms; " +
                "the journal's {Entries} entries folded into it", reason, written.Tasks, written.Path, (long)written.Duration.TotalMilliseconds, entries);
            return written;
        }
        finally
        {
            _gate.Open();
        }
    }

    /// <summary>At a probe tick in memory-fallback while Redis stays away: the emergency snapshot when one is owed or due.</summary>
    private async Task WriteEmergencySnapshotIfDueAsync(CancellationToken ct)
    {
        if (emergencySnapshots is null || _journal is not { } journal || !_fallback) return;
        var last = Interlocked.Read(ref _lastEmergencyAt);
        string? reason = _emergencyOwed ? "failover to memory"
            : journal.Count >= _options.EmergencySnapshotAfterEntries ? $"the journal holds {journal.Count} entries"
            : journal.Count > 0 && last != 0 && _time.GetElapsedTime(last) >= _options.EmergencySnapshotInterval ? "periodic"
            : null;
        if (reason is null) return;
        if (_emergencyFailures > 0 && _time.GetTimestamp() < _emergencyRetryAt) return; // backing off after a failure
        try
        {
            await WriteEmergencySnapshotAsync(reason, ct).ConfigureAwait(false);
            if (_emergencyFailures > 0)
                _logger.LogInformation("The emergency snapshot was written after {Failures} failed tries", _emergencyFailures);
            _emergencyFailures = 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Probe ticks run one at a time: these fields are the probe's own.
            _emergencyFailures++;
            var wait = Workers.FailureStreak.Exponential(_emergencyFailures, FirstEmergencyRetry, MaxEmergencyRetry);
            _emergencyRetryAt = _time.GetTimestamp() + (long)(wait.TotalSeconds * _time.TimestampFrequency);
            if (_emergencyFailures == 1)
                _logger.LogError(ex, "The emergency snapshot could not be written to {Folder}; the journal {Journal} keeps every change and the snapshot is tried again, backing off to once a minute",
                    emergencySnapshots.DirectoryPath, JournalPath);
            else
                _logger.LogDebug(ex, "The emergency snapshot still cannot be written ({Failures} tries)", _emergencyFailures);
        }
    }

    /// <summary>
    /// At start, before the journal: imports the newest valid emergency snapshot into <paramref name="memory"/> (a corrupt
    /// file is moved to quarantine and the next older one tried, by <see cref="SnapshotDirectory.ReadNewestValid"/>).
    /// </summary>
    /// <returns>How many tasks it brought back.</returns>
    private async Task<int> LoadEmergencySnapshotAsync(InMemoryQueueStore memory, CancellationToken ct)
    {
        if (emergencySnapshots is null) return 0;
        SnapshotRecovery found;
        try
        {
            found = await Task.Run(() => emergencySnapshots.ReadNewestValid(ct), ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogError(ex, "The emergency snapshots in {Folder} cannot be read; only the journal is replayed", emergencySnapshots.DirectoryPath);
            return 0;
        }
        if (!found.IsFound || found.Snapshot.Tasks.Count == 0) return 0;
        var imported = await memory.ImportAsync(found.Snapshot, ct).ConfigureAwait(false);
        _logger.LogWarning("Emergency snapshot {File} holds {Tasks} tasks an earlier process accepted during an outage: loaded into memory to be drained into Redis",
            found.Path, found.Snapshot.Tasks.Count);
        return imported.Imported;
    }

    /// <summary>After a drain, behind the closed gate: the emergency snapshots' tasks are all in Redis now.</summary>
    private void DeleteEmergencySnapshots()
    {
        if (emergencySnapshots is null) return;
        Interlocked.Exchange(ref _lastEmergencyAt, 0);
        _emergencyOwed = false;
        var deleted = emergencySnapshots.DeleteAll();
        if (deleted > 0) _logger.LogDebug("Deleted {Count} emergency snapshots: their tasks are drained into Redis", deleted);
    }
}
