using Microsoft.Extensions.Logging;
using QueueService.Snapshots;
using QueueService.Stores.Memory;
using QueueService.Stores.Redis;
using QueueService.Tasks;

namespace QueueService.Stores.Failover;

/// <summary>
/// The API's store in Redis mode (docs/failover.md): every call goes to Redis while it answers; when a
/// call fails with <see cref="StoreError.Unavailable"/> the store switches to <c>memory-fallback</c>, where
/// submissions, and cancels and retries of tasks accepted meanwhile, are written to the
/// <see cref="FailoverJournal"/> (durable) and then to an in-memory store. A probe asks Redis for its epoch
/// every <see cref="FailoverOptions.ProbeInterval"/>; when it answers, the memory tasks are drained into
/// Redis by id (idempotent, so a drain repeated after a crash applies each once) and the store switches back.
/// </summary>
/// <remarks>
/// The store owns <paramref name="primary"/> (disposes it), its memory stores and the journal; it does not
/// own the Redis connection. <see cref="StartAsync"/> opens the journal, replays what an earlier process
/// left (then starts in <c>memory-fallback</c>) and starts the probe; the first call starts it too.
/// </remarks>
/// <param name="primary">The Redis store; owned.</param>
/// <param name="journalPath">The journal file (created with its folder when missing).</param>
/// <param name="options">Probe interval and journal group commit.</param>
/// <param name="storeOptions">The options of the memory stores (payload limit, backoff).</param>
/// <param name="time">The clock (ids, the probe, run times of delayed submissions).</param>
/// <param name="logger">Transitions (Warning into memory-fallback, Information back), drains and journal failures.</param>
/// <param name="restoreIfNeeded">Called before a drain when Redis came back without the epoch it had before the outage
/// (restarted empty, flushed): restores the newest snapshot into Redis by the backup service's epoch rules. Null: none.</param>
/// <param name="redoLog">Where what Redis accepted through this store is recorded (submissions, cancels, retries, starts from
/// Redis's event feed, drained tasks), for a restore after Redis lost its data; not owned. Null: nothing is recorded.</param>
/// <param name="emergencySnapshots">The folder of the emergency snapshots (the outage's memory store written whole, the journal
/// then emptied); not owned. Null: none are written, and the journal holds every change of an outage.</param>
public sealed partial class FailoverQueueStore(
    RedisQueueStore primary,
    string journalPath,
    FailoverOptions options,
    QueueStoreOptions storeOptions,
    TimeProvider time,
    ILogger<FailoverQueueStore> logger,
    Func<CancellationToken, Task>? restoreIfNeeded = null,
    RedoLog? redoLog = null,
    SnapshotDirectory? emergencySnapshots = null) : IQueueStore, IAsyncDisposable
{
    /// <summary>The <see cref="Kind"/> while Redis answers.</summary>
    public const string RedisKind = "redis";

    /// <summary>The <see cref="Kind"/> while the store runs on memory (the store health check reports Degraded).</summary>
    public const string FallbackKind = "memory-fallback";

    private readonly RedisQueueStore _primary = primary ?? throw new ArgumentNullException(nameof(primary));
    private readonly FailoverOptions _options = options ?? throw new ArgumentNullException(nameof(options));
    private readonly QueueStoreOptions _storeOptions = storeOptions ?? throw new ArgumentNullException(nameof(storeOptions));
    private readonly TimeProvider _time = time ?? throw new ArgumentNullException(nameof(time));
    private readonly ILogger<FailoverQueueStore> _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _startLock = new();
    private Task? _started;
    private Task? _probe;
    private FailoverJournal? _journal;
    private string? _journalError;
    // Replaced by an empty one after each drain; read without a lock by every memory-side call.
    private volatile InMemoryQueueStore _memory = new(storeOptions, time);
    // 1 while the store runs on memory. Written under _modeLock (transitions), read without it.
    private volatile bool _fallback;
    private readonly Lock _modeLock = new();
    // Redis's epoch as last seen while it answered: a different (or no) epoch after an outage means Redis lost its state.
    private volatile string? _knownEpoch;
    private DateTimeOffset _fallbackSince;
    private int _disposed;
    private readonly RedoLog? _redo = redoLog;
    // Until when (Unix ms, store clock) the reaper reclaims nothing after a switch back to Redis; one word, read without the lock.
    private long _reapPausedUntilMs = long.MinValue;
    private int _reapPauseLogged;

    /// <inheritdoc/>
    /// <remarks><c>redis</c> or <c>memory-fallback</c>.</remarks>
    public string Kind => _fallback ? FallbackKind : RedisKind;

    /// <summary>The journal's file.</summary>
    public string JournalPath { get; } = journalPath ?? throw new ArgumentNullException(nameof(journalPath));

    /// <summary>Entries in the journal now (0 when it could not be opened).</summary>
    public long JournalCount => _journal?.Count ?? 0;

    /// <summary>The redo log this store records into; null when none.</summary>
    public RedoLog? RedoLog => _redo;

    /// <summary>How many drains completed since the store started (for tests and logs).</summary>
    public int DrainCount => Volatile.Read(ref _drains);

    /// <summary>
    /// Opens the journal, replays a non-empty one into memory (the store then starts in <c>memory-fallback</c>),
    /// reads Redis's epoch (Redis down → <c>memory-fallback</c>; <see cref="PrepareRedisAsync"/> writes one) and starts the
    /// probe. Runs once; later calls (and every store call) wait for that one start. A journal that cannot be
    /// opened is logged at Error: the store then runs on Redis only and answers <see cref="StoreError.Unavailable"/>
    /// while Redis is down.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        Task started;
        lock (_startLock)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            started = _started ??= StartCoreAsync(_stopping.Token);
        }
        return started.WaitAsync(cancellationToken);
    }

    private async Task StartCoreAsync(CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            _journal = await FailoverJournal.OpenAsync(JournalPath, _options, _time, _logger, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            _journalError = ex.Message;
            _logger.LogError(ex, "The failover journal {Path} cannot be opened: submissions are refused (503) while Redis is down", JournalPath);
        }

        // The emergency snapshot first, then the journal written since it (replaying entries it already holds changes nothing).
        var fromSnapshot = await LoadEmergencySnapshotAsync(_memory, ct).ConfigureAwait(false);
        var replayed = _journal?.Replayed ?? [];
        if (fromSnapshot > 0 || replayed.Count > 0)
        {
            var applied = await ReplayAsync(_memory, replayed, ct).ConfigureAwait(false);
            EnterFallback($"an earlier process accepted tasks during an outage: {fromSnapshot} in the emergency snapshot, " +
                $"{replayed.Count} changes in the journal {JournalPath} ({applied} tasks)");
        }
        else
        {
            try
            {
                // Read, not written: the backup service's restore may run first (it decides by this very epoch),
                // so the epoch is written by PrepareRedisAsync as the host starts, after the restore.
                _knownEpoch = await _primary.GetEpochAsync(ct).ConfigureAwait(false);
            }
            catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
            {
                EnterFallback(ex.Message);
            }
        }
        _probe = Task.Run(() => ProbeLoopAsync(_stopping.Token), CancellationToken.None);
    }

    /// <summary>
    /// What <c>RedisStoreStartup</c> does for a plain Redis store, run as the host starts (after the backup
    /// service's restore): starts the store, writes Redis's epoch when it has none and warns when its
    /// <c>maxmemory-policy</c> may evict tasks. Redis down, or the store on memory already: nothing more (never fatal).
    /// </summary>
    public async Task PrepareRedisAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        if (_fallback) return;
        try
        {
            var epoch = await _primary.EnsureEpochAsync(cancellationToken).ConfigureAwait(false);
            _knownEpoch ??= epoch;
            await _primary.CheckServerAsync(cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Redis store ready, epoch {Epoch}; failover to memory on, journal {Journal}", epoch, JournalPath);
        }
        catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
        {
            EnterFallback(ex.Message);
        }
    }

    /// <summary>Waits for the start (starting it on the first call); refuses a disposed store.</summary>
    private Task EnsureStartedAsync(CancellationToken ct)
    {
        var started = Volatile.Read(ref _started);
        return started is { IsCompletedSuccessfully: true } ? Task.CompletedTask : StartAsync(ct);
    }

    /// <summary>Switches to memory-fallback, logging the transition once.</summary>
    private void EnterFallback(string reason)
    {
        lock (_modeLock)
        {
            if (_fallback) return;
            _fallbackSince = _time.GetUtcNow();
            _fallback = true;
            _emergencyOwed = true; // written at the next probe tick that still finds Redis away
        }
        _logger.LogWarning("Redis is unavailable ({Reason}): the store runs on memory (memory-fallback); submissions are journalled to {Journal} and drained into Redis when it answers",
            reason, JournalPath);
    }

    /// <summary>A call to Redis in redis mode: an <see cref="StoreError.Unavailable"/> failure switches to memory-fallback and is rethrown.</summary>
    private async Task<T> OnPrimaryAsync<T>(Func<RedisQueueStore, Task<T>> call)
    {
        try
        {
            return await call(_primary).ConfigureAwait(false);
        }
        catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
        {
            EnterFallback(ex.Message);
            throw;
        }
    }

    /// <summary>The refusal of a call that only Redis can answer, while the store runs on memory.</summary>
    private static QueueStoreException Degraded(string what) =>
        new(StoreError.Unavailable,
            $"The queue store is degraded: Redis is unavailable and the store runs on memory (memory-fallback); {what}. Try again when Redis is back.");

    /// <summary>The refusal of a read or command on a task that only Redis holds, while the store runs on memory.</summary>
    private static QueueStoreException DegradedTask(string taskId) =>
        new(StoreError.Unavailable,
            $"The queue store is degraded: Redis is unavailable and task {taskId} is not among the tasks accepted during the outage, " +
            "so it can only be read or changed in Redis. Try again when Redis is back.", taskId);

    /// <summary>Stops the probe (a drain under way stops at its next step: the journal keeps what it did not finish), and disposes the stores and the journal.</summary>
    public async ValueTask DisposeAsync()
    {
        Task? started;
        lock (_startLock)
        {
            if (_disposed != 0) return;
            _disposed = 1;
            started = _started;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (started is not null)
        {
            try { await started.ConfigureAwait(false); }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or QueueStoreException)
            {
                // Stopped while starting, or a start that failed: its callers were told; disposal goes on.
            }
        }
        if (_probe is { } probe)
        {
            try { await probe.ConfigureAwait(false); }
            catch (OperationCanceledException) { /* stopped */ }
        }
        await DisposeEventsAsync().ConfigureAwait(false);
        if (_fallback)
        {
            // A graceful stop during an outage: the next start reads one snapshot instead of the whole journal.
            try
            {
                await WriteEmergencySnapshotAsync("graceful stop during the outage", CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                _logger.LogError(ex, "The emergency snapshot could not be written at stop; the journal {Journal} keeps every change", JournalPath);
            }
        }
        if (_journal is { } journal) await journal.DisposeAsync().ConfigureAwait(false);
        await _primary.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
