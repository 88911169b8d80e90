using System.Diagnostics;
using Microsoft.Extensions.Logging;
using QueueService.Stores;

namespace QueueService.Snapshots;

// The periodic backup: taken by whichever process holds the store lock "backup", which it keeps renewed while it writes.
public sealed partial class BackupService
{
    // Periods in a row whose backup was skipped because the store was unavailable.
    private int _periodsSkipped;

    private async Task PeriodicBackupAsync(CancellationToken stoppingToken)
    {
        try
        {
            // The holder renews each period; if it dies, another process takes over after 1.5 periods (plus twice
            // its last backup's duration, so a backup slower than the period does not let the lock lapse under it).
            if (!await _store.TryLockAsync(LockName, _owner, LockTtl, stoppingToken).ConfigureAwait(false))
            {
                _logger.LogDebug("Another process holds the backup lock; skipping this period");
                return;
            }
        }
        catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
        {
            // One warning per outage, not one per period: the store's own switch to memory is the transition to see.
            if (Interlocked.Increment(ref _periodsSkipped) == 1)
                _logger.LogWarning("Periodic backup skipped: the store is unavailable ({Reason}); further skips of this outage are logged at Debug", ex.Message);
            else
                _logger.LogDebug("Periodic backup skipped again ({Skipped} in a row): the store is unavailable ({Reason})", Volatile.Read(ref _periodsSkipped), ex.Message);
            return;
        }
        if (Interlocked.Exchange(ref _periodsSkipped, 0) > 0)
            _logger.LogInformation("Periodic backups resume: the store answers again");
        var clock = Stopwatch.StartNew();
        using (var backupDone = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
        {
            // Kept renewed while the backup runs: a backup slower than the lock's ttl (a loaded disk, the first
            // backup before any duration is known) must not let another process take the lock and back up too.
            var renewing = KeepLockAsync(backupDone.Token);
            try
            {
                await TryBackupAsync("periodic", stoppingToken).ConfigureAwait(false);
            }
            finally
            {
                await backupDone.CancelAsync().ConfigureAwait(false);
                await renewing.ConfigureAwait(false);
            }
        }
        Interlocked.Exchange(ref _lastPeriodicBackupMs, clock.ElapsedMilliseconds);
        try
        {
            // Renewed once more as the backup ends: the next period's renewal is then at most one period away.
            await _store.TryLockAsync(LockName, _owner, LockTtl, stoppingToken).ConfigureAwait(false);
        }
        catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
        {
            // The next period tries again; until then the lock may lapse and another process take over.
        }
    }

    /// <summary>Renews the backup lock every half period until <paramref name="done"/>; never throws.</summary>
    private async Task KeepLockAsync(CancellationToken done)
    {
        try
        {
            using var timer = new PeriodicTimer(_options.BackupInterval / 2, _time);
            while (await timer.WaitForNextTickAsync(done).ConfigureAwait(false))
            {
                if (!await _store.TryLockAsync(LockName, _owner, LockTtl, done).ConfigureAwait(false))
                    _logger.LogWarning("The backup lock passed to another process while this one was backing up");
            }
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The renewal after the backup tries again; until then the lock may lapse.
            _logger.LogDebug(ex, "Renewing the backup lock during a backup failed");
        }
    }

    private TimeSpan LockTtl => _options.BackupInterval * 1.5 + TimeSpan.FromMilliseconds(2 * Interlocked.Read(ref _lastPeriodicBackupMs));
}
