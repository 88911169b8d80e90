using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QueueService.Stores;

namespace QueueService.Snapshots;

/// <summary>
/// Backs the store up to <see cref="SnapshotDirectory"/> and restores it at start-up:
/// <list type="bullet">
/// <item>Before any other hosted service starts (<see cref="StartingAsync"/>), restores the newest valid
/// snapshot exactly when the store lost its state: an in-memory store always; a Redis store when it holds
/// no epoch or another one than the snapshot's. A Redis that holds the snapshot's epoch is authoritative:
/// nothing is restored. A restore is followed at once by a fresh backup, so the newest file carries the
/// store's epoch and a later restart does not restore again what was since finished and purged.</item>
/// <item>Every <see cref="SnapshotOptions.BackupInterval"/>, by whichever process holds the store lock
/// <c>backup</c> (several API replicas: one writer).</item>
/// <item>On graceful shutdown, and on demand (<see cref="BackupNowAsync"/>, for <c>POST /admin/backup</c>).</item>
/// </list>
/// No backup is written until the restore question is settled: a store that was unreachable at start
/// must not have its empty view rotate the good snapshots away. Store errors are logged and retried;
/// they never stop the host.
/// </summary>
public sealed partial class BackupService : BackgroundService, IHostedLifecycleService
{
    /// <summary>The store lock that elects the periodic writer.</summary>
    public const string LockName = "backup";

    private static readonly TimeSpan FirstRestoreRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRestoreRetry = TimeSpan.FromSeconds(30);

    private readonly IQueueStore _store;
    private readonly SnapshotDirectory _files;
    private readonly SnapshotOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<BackupService> _logger;
    private readonly IRestoreLog? _restoreLog;
    // Never disposed: a host disposed while its shutdown backup still runs (a test host stopped twice)
    // must not turn the backup's release into an ObjectDisposedException. It holds no wait handle.
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private Lazy<Task>? _shutdownBackup;
    // Unix ms, read by health checks and metrics scrapes on other threads: one word, never torn.
    private const long NoBackupYet = long.MinValue;
    private long _lastBackupAtMs = NoBackupYet;
    private readonly string _owner = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
    private volatile bool _restoreSettled;
    private long _lastPeriodicBackupMs;

    /// <summary>Creates the service.</summary>
    /// <param name="store">The store backed up and restored.</param>
    /// <param name="files">The snapshot folder.</param>
    /// <param name="options">Backup period, retention, shutdown backup.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Backups and restores.</param>
    /// <param name="restoreLog">What a restore merges into the snapshot (the API's redo log), told when each backup starts and is
    /// written so it keeps two generations; null when the host has none (a restore then imports the snapshot alone).</param>
    public BackupService(IQueueStore store, SnapshotDirectory files, IOptions<SnapshotOptions> options, TimeProvider time, ILogger<BackupService> logger,
        IRestoreLog? restoreLog = null)
    {
        _restoreLog = restoreLog;
        _store = store;
        _files = files;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>True once the start-up restore has been decided (done, or found unnecessary).</summary>
    public bool RestoreSettled => _restoreSettled;

    /// <summary>When the last backup of this process was written, or null.</summary>
    public DateTimeOffset? LastBackupAt =>
        Volatile.Read(ref _lastBackupAtMs) is var ms && ms == NoBackupYet ? null : DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>
    /// Writes a snapshot of the store now. One at a time per process; the store lock is not needed
    /// (an operator asked this process).
    /// </summary>
    /// <exception cref="QueueStoreException">The store could not be read (<see cref="StoreError.Unavailable"/>).</exception>
    /// <exception cref="IOException">The file could not be written; the older snapshots are untouched.</exception>
    public async Task<BackupResult> BackupNowAsync(string reason, CancellationToken cancellationToken = default)
    {
        await _oneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var clock = Stopwatch.StartNew();
            var reading = new Stopwatch();
            // What happens from now on may or may not be in this snapshot: the redo log starts a segment here.
            _restoreLog?.BackupStarting();
            // Each page is encoded and written before the next is read, so the store is free between pages
            // and the snapshot is never held whole. Off the caller's thread (a request, the host): the file
            // writes are synchronous.
            var written = await Task.Run(() => _files.WriteAsync(Timed(_store.ExportPagesAsync(cancellationToken), reading), cancellationToken),
                cancellationToken).ConfigureAwait(false);
            _restoreLog?.BackupWritten();
            var result = new BackupResult(written.Path, written.Tasks, written.Bytes, clock.ElapsedMilliseconds);
            var exportMs = reading.ElapsedMilliseconds;
            Volatile.Write(ref _lastBackupAtMs, _time.GetUtcNow().ToUnixTimeMilliseconds());
            LogBackup(reason, result.File, result.Tasks, result.Bytes, exportMs, result.DurationMs);
            return result;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    // Counts the time spent waiting for the store's pages: the backup log splits reading from encoding and writing.
    private static async IAsyncEnumerable<StoreSnapshot> Timed(IAsyncEnumerable<StoreSnapshot> parts, Stopwatch reading)
    {
        var pages = parts.GetAsyncEnumerator();
        await using (pages.ConfigureAwait(false))
        {
            while (true)
            {
                reading.Start();
                var more = await pages.MoveNextAsync().ConfigureAwait(false);
                reading.Stop();
                if (!more) yield break;
                yield return pages.Current;
            }
        }
    }

    /// <summary>Restores the newest valid snapshot when the store lost its state (see the class remarks).</summary>
    /// <exception cref="QueueStoreException">The store could not be read or written (<see cref="StoreError.Unavailable"/>): try again later.</exception>
    public Task<RestoreResult> RestoreIfNeededAsync(CancellationToken cancellationToken = default) =>
        RestoreIfNeededAsync(_store, cancellationToken);

    /// <summary>
    /// The same restore into <paramref name="target"/>: the failover store restores Redis itself (while it still
    /// runs on memory) when Redis came back without its state, before it drains (docs/failover.md).
    /// </summary>
    /// <exception cref="QueueStoreException">The store could not be read or written (<see cref="StoreError.Unavailable"/>): try again later.</exception>
    internal async Task<RestoreResult> RestoreIfNeededAsync(IQueueStore target, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var newest = _files.ReadNewestValid(cancellationToken);
        if (!newest.IsFound)
        {
            _restoreSettled = true;
            _logger.LogInformation("No valid snapshot in {Directory} ({Rejected} refused): the {Store} store starts with what it holds",
                _files.DirectoryPath, newest.Rejected.Count, target.Kind);
            return new RestoreResult(RestoreOutcome.NoSnapshot, null, 0, 0, 0, clock.ElapsedMilliseconds);
        }
        var (snapshot, file) = (newest.Snapshot, newest.Path);
        var epoch = await target.GetEpochAsync(cancellationToken).ConfigureAwait(false);
        if (target.Kind != "memory" && epoch is not null && epoch == snapshot.Epoch)
        {
            _restoreSettled = true;
            _logger.LogInformation("The {Store} store still holds epoch {Epoch} of snapshot {File}: it is authoritative, nothing restored",
                target.Kind, epoch, file);
            return new RestoreResult(RestoreOutcome.StoreAuthoritative, file, 0, 0, 0, clock.ElapsedMilliseconds);
        }
        var log = await ReadRestoreLogAsync(cancellationToken).ConfigureAwait(false);
        var plan = RedoMerge.Build(snapshot, log, _time.GetUtcNow());
        // Leases are held only in Redis (its workers may still run them) and only with a log to merge: without one the
        // restore is the plain one it always was. A memory store's workers died with the process: its tasks come back queued.
        var hold = log.Count > 0 && target.Kind == "redis" ? _restoreLog!.RestoredLeaseDuration : (TimeSpan?)null;
        // Into Redis the epoch is written last, once the tasks and the changes are in: a restore cut short (Redis gone
        // again, this process killed) leaves Redis without the snapshot's epoch, so the next check restores again and
        // completes it (the import skips what is there; a change already applied is skipped) instead of taking a half
        // restored Redis as authoritative. A memory store takes the epoch with its first task, and dies with its process.
        var sealLast = target.Kind == "redis" && !string.IsNullOrEmpty(plan.Snapshot.Epoch);
        var body = plan.Snapshot;
        if (sealLast)
        {
            body = plan.Snapshot.ShallowCopy();
            body.Epoch = "";
        }
        var imported = hold is { } duration
            ? await target.ImportAsync(body, new ImportOptions { HoldLeasesFor = duration }, cancellationToken).ConfigureAwait(false)
            : await target.ImportAsync(body, cancellationToken).ConfigureAwait(false);
        var (applied, refused) = await ApplyChangesAsync(target, plan.Changes, cancellationToken).ConfigureAwait(false);
        if (sealLast)
            await target.ImportAsync(new StoreSnapshot { Epoch = plan.Snapshot.Epoch, TakenAtMs = plan.Snapshot.TakenAtMs, Store = plan.Snapshot.Store },
                cancellationToken).ConfigureAwait(false);
        _restoreSettled = true;
        var leasesHeld = imported.Held; // what the import brought back held, not what the merge marked (it skips tasks Redis has)
        LogRestore(file, snapshot.Tasks.Count, imported.Imported, imported.Skipped, imported.Requeued, target.Kind,
            epoch ?? "none", snapshot.Epoch, log.Count, plan.EnqueuedRestored, leasesHeld, applied, refused, clock.ElapsedMilliseconds);
        return new RestoreResult(RestoreOutcome.Restored, file, imported.Imported, imported.Skipped, imported.Requeued, clock.ElapsedMilliseconds)
        {
            EnqueuedFromLog = plan.EnqueuedRestored,
            LeasesHeld = leasesHeld,
            ChangesApplied = applied,
        };
    }

    /// <summary>The restore log's entries; a log that cannot be read is logged (Error) and the snapshot is restored alone.</summary>
    private async Task<IReadOnlyList<Stores.Failover.JournalEntry>> ReadRestoreLogAsync(CancellationToken ct)
    {
        if (_restoreLog is null) return [];
        try
        {
            return await _restoreLog.ReadAllAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogError(ex, "The redo log cannot be read; the snapshot is restored without the changes made since it");
            return [];
        }
    }

    /// <summary>Applies the logged cancels and retries in order; a refusal (already applied, or refused when made) is skipped.</summary>
    private async Task<(int Applied, int Refused)> ApplyChangesAsync(IQueueStore target, IReadOnlyList<Stores.Failover.JournalEntry> changes, CancellationToken ct)
    {
        int applied = 0, refused = 0;
        foreach (var change in changes)
        {
            try
            {
                // Applied already by a restore cut short before it wrote the epoch: the task changed after the entry.
                if (await target.GetAsync(change.TaskId, ct).ConfigureAwait(false) is { } current && current.UpdatedAt > change.At)
                {
                    refused++;
                    _logger.LogDebug("Restore: the logged {Change} of task {TaskId} is older than the task's last change; skipped", change.Kind, change.TaskId);
                    continue;
                }
                if (change.Kind == Stores.Failover.JournalEntryKind.Cancelled) await target.CancelAsync(change.TaskId, ct).ConfigureAwait(false);
                else await target.RetryAsync(change.TaskId, ct).ConfigureAwait(false);
                applied++;
            }
            catch (QueueStoreException ex) when (ex.Error is StoreError.IllegalTransition or StoreError.NotFound or StoreError.Invalid)
            {
                refused++;
                _logger.LogDebug("Restore: the logged {Change} of task {TaskId} was not applied ({Reason})", change.Kind, change.TaskId, ex.Message);
            }
        }
        return (applied, refused);
    }

    /// <inheritdoc/>
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled) return;
        try
        {
            var restored = await RestoreIfNeededAsync(cancellationToken).ConfigureAwait(false);
            if (restored.Outcome == RestoreOutcome.Restored) await TryBackupAsync("after restore", CancellationToken.None).ConfigureAwait(false);
        }
        catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
        {
            _logger.LogWarning("The store is unavailable at start-up ({Reason}); the restore is retried in the background and no backup is written until it is settled", ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogError(ex, "The backup folder {Directory} cannot be read; the restore is retried in the background and no backup is written until it is settled",
                _files.DirectoryPath);
        }
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return;
        var retry = FirstRestoreRetry;
        while (!_restoreSettled && !stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(retry, _time, stoppingToken).ConfigureAwait(false);
                var restored = await RestoreIfNeededAsync(stoppingToken).ConfigureAwait(false);
                if (restored.Outcome == RestoreOutcome.Restored) await TryBackupAsync("after restore", stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is QueueStoreException { Error: StoreError.Unavailable } or IOException or UnauthorizedAccessException)
            {
                retry = retry * 2 > MaxRestoreRetry ? MaxRestoreRetry : retry * 2;
                _logger.LogDebug("Restore check still waiting: {Reason}", ex.Message);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }

        using var timer = new PeriodicTimer(_options.BackupInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
                await PeriodicBackupAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (!(_options.Enabled && _options.BackupOnShutdown && _restoreSettled)) return;
        // One shutdown backup however often the host is stopped (a test host is stopped twice): a second
        // stop waits for the first's backup, so nothing disposes the store or deletes the folder under it.
        var backup = new Lazy<Task>(() => TryBackupAsync("shutdown", cancellationToken));
        await (Interlocked.CompareExchange(ref _shutdownBackup, backup, null) ?? backup).Value.ConfigureAwait(false);
    }

    private async Task TryBackupAsync(string reason, CancellationToken cancellationToken)
    {
        try
        {
            await BackupNowAsync(reason, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
        {
            // Redis is down (or the failover store runs on memory, whose journal is the durable copy): a skip, not a fault.
            _logger.LogWarning("The {Reason} backup skipped: the store is unavailable ({Message}); older snapshots are untouched", reason, ex.Message);
        }
        catch (Exception ex) when (ex is QueueStoreException or IOException or UnauthorizedAccessException)
        {
            _logger.LogError(ex, "The {Reason} backup failed; older snapshots are untouched", reason);
        }
    }

    /// <inheritdoc/>
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    /// <inheritdoc/>
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    /// <inheritdoc/>
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Backup ({Reason}) written to {File}: {Tasks} tasks, {Bytes} bytes, reading the store {ExportMs} ms, total {DurationMs} ms")]
    private partial void LogBackup(string reason, string file, int tasks, long bytes, long exportMs, long durationMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restored snapshot {File} ({Tasks} tasks): {Imported} imported, {Skipped} already present, {Requeued} running ones queued again, into the {Store} store (its epoch {StoreEpoch}, the snapshot's {SnapshotEpoch}); "
        + "from the redo log ({LogEntries} entries): {EnqueuedRestored} tasks enqueued since the snapshot restored, {LeasesHeld} leases held for their workers, {ChangesApplied} cancels and retries applied ({ChangesRefused} refused); in {DurationMs} ms")]
    private partial void LogRestore(string file, int tasks, int imported, int skipped, int requeued, string store, string storeEpoch, string snapshotEpoch,
        int logEntries, int enqueuedRestored, int leasesHeld, int changesApplied, int changesRefused, long durationMs);
}
