using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using QueueService.Tasks;
using StackExchange.Redis;

namespace QueueService.Stores.Redis;

/// <summary>
/// The Redis store: one hash per task, sorted-set indexes per status and queue, and one Lua script
/// per transition (<c>QueueService/Stores/Redis/Scripts/</c>), all under <c>{KeyPrefix}:{{Namespace}}:</c>.
/// Semantics: <c>docs/store-semantics.md</c>. The store does not own the multiplexer.
/// </summary>
/// <remarks>
/// Commands take no <see cref="CancellationToken"/>: the token is checked before sending, and reads
/// stop waiting when it fires. A transition already sent may still apply after the caller gave up;
/// leases and the reaper make that safe (an unused lease expires and the task is reclaimed).
/// </remarks>
public sealed partial class RedisQueueStore : IQueueStore, IAsyncDisposable
{
    private readonly IConnectionMultiplexer _connection;
    private readonly QueueStoreOptions _storeOptions;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisQueueStore> _logger;
    private readonly RedisKeys _keys;
    private readonly RedisScripts _scripts;
    private readonly BackoffPolicy _backoff;

    /// <summary>Creates a store over a connection the caller owns.</summary>
    /// <exception cref="ArgumentException">A key prefix or namespace outside its rule.</exception>
    /// <exception cref="InvalidOperationException">An embedded script is missing (named in the message).</exception>
    public RedisQueueStore(IConnectionMultiplexer connection, RedisStoreOptions redisOptions, QueueStoreOptions storeOptions,
        TimeProvider? time = null, ILogger<RedisQueueStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(redisOptions);
        ArgumentNullException.ThrowIfNull(storeOptions);
        redisOptions.EnsureValid();
        _connection = connection;
        _storeOptions = storeOptions;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger<RedisQueueStore>.Instance;
        _keys = new RedisKeys(redisOptions.KeyPrefix, redisOptions.Namespace);
        _scripts = RedisScripts.Shared;
        _backoff = new BackoffPolicy(storeOptions.Backoff);
    }

    /// <inheritdoc/>
    public string Kind => "redis";

    /// <summary>The text every key of this store starts with (<c>rq:{default}:</c>).</summary>
    public string KeyPrefix => _keys.Prefix;

    private IDatabase Db => _connection.GetDatabase();

    /// <summary>
    /// Writes the namespace's epoch (a new random id) unless one exists, and returns the current one.
    /// Snapshots compare it to tell "Redis lost its state" from "Redis is authoritative".
    /// </summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Unavailable"/> when Redis cannot be reached.</exception>
    public async Task<string> EnsureEpochAsync(CancellationToken ct = default)
    {
        var candidate = Guid.NewGuid().ToString("N");
        // SET NX GET: one round trip answers the old value, or null when ours was written.
        var existing = await ReadAsync("epoch", () => Db.StringSetAndGetAsync(_keys.Epoch, candidate, expiry: null, when: When.NotExists), ct);
        return existing.IsNull ? candidate : existing.ToString();
    }

    /// <summary>
    /// Checks that the server suits a queue; the host calls it once at start. A queue must never be
    /// evicted: under any <c>maxmemory-policy</c> but <c>noeviction</c>, Redis may drop a task hash and
    /// leave its id in the indexes (the scripts then drop such orphans and log a Warning). Reads
    /// <c>INFO memory</c> of the node holding the namespace (through a script: plain INFO needs an admin connection) and logs a Warning when it is unfit.
    /// </summary>
    /// <returns>True when the node reports <c>noeviction</c>.</returns>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Unavailable"/> when Redis cannot be reached.</exception>
    public async Task<bool> CheckServerAsync(CancellationToken ct = default)
    {
        var policy = (string?)await ReadScriptAsync(_scripts.CheckServer, new NamespaceArgs(_keys.Namespace), ct);
        if (policy is null || policy == "noeviction") return true;
        _logger.LogWarning("Redis has maxmemory-policy {Policy} for namespace {Namespace}: it may evict task hashes when memory runs out. " +
            "Set maxmemory-policy noeviction for a queue (writes then fail with OOM instead, reported as Unavailable).", policy, _keys.Prefix);
        return false;
    }

    /// <summary>Evaluates a fixed-shape script with its parameter object (see <see cref="RedisScripts"/>).</summary>
    private Task<RedisResult> EvalAsync(LuaScript script, object args, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return GuardAsync(_scripts.NameOf(script), () => script.EvaluateAsync(Db, args), ct);
    }

    /// <summary>Evaluates a list-shaped script with raw KEYS/ARGV: the same EVALSHA path (see <see cref="RedisScripts"/>).</summary>
    private Task<RedisResult> EvalRawAsync(LuaScript script, RedisKey[] keys, RedisValue[] values, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return GuardAsync(_scripts.NameOf(script), () => Db.ScriptEvaluateAsync(script.ExecutableScript, keys, values), ct);
    }

    /// <summary>A read script: stops waiting when <paramref name="ct"/> fires (the script itself still runs, harmlessly).</summary>
    private Task<RedisResult> ReadScriptAsync(LuaScript script, object args, CancellationToken ct) =>
        ReadAsync(_scripts.NameOf(script), () => script.EvaluateAsync(Db, args), ct);

    /// <summary>A read: stops waiting when <paramref name="ct"/> fires (the command itself still runs, harmlessly).</summary>
    private Task<T> ReadAsync<T>(string operation, Func<Task<T>> read, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return GuardAsync(operation, () => read().WaitAsync(ct), ct);
    }

    /// <summary>
    /// The one place client failures become refusals (<see cref="Classify"/>): <see cref="StoreError.Unavailable"/>
    /// (logged at Debug only: the caller retries and reports the outage itself, once when it starts and once
    /// when it ends; a Warning here made every failed poll of every loop a warning with a stack trace) or
    /// <see cref="StoreError.Internal"/> (logged at Error with the script: retrying cannot help). Cancellation
    /// and our own refusals pass through: a cancellation only when <paramref name="ct"/> (the caller's) fired. A
    /// cancellation the caller did not ask for is the client giving up on a command whose connection died
    /// (StackExchange.Redis cancels such commands with no token of ours), so it is <see cref="StoreError.Unavailable"/>.
    /// </summary>
    private async Task<T> GuardAsync<T>(string operation, Func<Task<T>> call, CancellationToken ct = default)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (Classify(ex, ct) is { } error)
        {
            if (error == StoreError.Internal)
            {
                _logger.LogError(ex, "Redis store {Prefix}: the server rejected {Script}: {Reason}", _keys.Prefix, operation, ex.Message);
                throw new QueueStoreException(StoreError.Internal,
                    $"Redis rejected {operation} (a bug or a misconfigured server; retrying cannot help): {ex.Message}", inner: ex);
            }
            _logger.LogDebug(ex, "Redis store {Prefix} unavailable during {Script}: {Reason}", _keys.Prefix, operation, ex.Message);
            throw new QueueStoreException(StoreError.Unavailable, $"Redis is unavailable: {ex.Message}", inner: ex);
        }
    }

    // Server errors that pass: the server is loading, busy with a script, failing over, full, or
    // refusing writes until persistence works again. Any other server error (a script's runtime
    // error "ERR user_script:…", WRONGTYPE, NOPERM, an unknown command) repeats on every retry.
    private static readonly string[] PassingServerErrors =
        ["LOADING", "BUSY", "MASTERDOWN", "READONLY", "OOM", "CLUSTERDOWN", "TRYAGAIN", "NOREPLICAS", "MISCONF", "NOSCRIPT"];

    /// <summary>
    /// What a client failure means for the caller: <see cref="StoreError.Unavailable"/> for connection
    /// failures, timeouts (<see cref="RedisTimeoutException"/> is a <see cref="TimeoutException"/>, not a
    /// <see cref="RedisException"/>), a disposed multiplexer and passing server states;
    /// <see cref="StoreError.Internal"/> for a server error that will repeat and for a command the client
    /// refused to send (<see cref="RedisCommandException"/>: disabled or renamed command, cross-slot keys);
    /// null for what is not a storage failure (the caller's own cancellation through <paramref name="callerToken"/>,
    /// our own refusals). Two failures of a connection dying under load that the client does not wrap (seen with
    /// StackExchange.Redis 2.13 when redis-server is killed mid-write, reproduced by the chaos test): a cancellation
    /// the caller did not ask for, and System.IO.Pipelines' "Writing is not allowed after writer was completed"
    /// (an <see cref="InvalidOperationException"/>) — both <see cref="StoreError.Unavailable"/>; so is an <see cref="IOException"/> or
    /// <see cref="System.Net.Sockets.SocketException"/> let through from the socket (a connection reset by peer).
    /// </summary>
    internal static StoreError? Classify(Exception exception, CancellationToken callerToken = default) => exception switch
    {
        QueueStoreException => null,
        OperationCanceledException => callerToken.IsCancellationRequested ? null : StoreError.Unavailable,
        InvalidOperationException { Source: "System.IO.Pipelines" } => StoreError.Unavailable,
        RedisConnectionException or TimeoutException or ObjectDisposedException => StoreError.Unavailable,
        // The socket's own failures, unwrapped (seen in the chaos run: Pipelines.Sockets.Unofficial's ConnectionResetException,
        // an IOException, reached a handler's progress report as its own error when redis-server was killed).
        IOException or System.Net.Sockets.SocketException => StoreError.Unavailable,
        RedisServerException server => PassingServerErrors.Any(code => server.Message.StartsWith(code, StringComparison.Ordinal))
            ? StoreError.Unavailable
            : StoreError.Internal,
        RedisCommandException => StoreError.Internal,
        // Any other client failure (the base RedisException): the connection's state, not our request.
        RedisException => StoreError.Unavailable,
        _ => null,
    };

    /// <summary>
    /// The one place script result codes become refusals: {0, …} passes; -1 not found; -2 with the
    /// current status; -6 lease not held. Returns the array for the caller to read.
    /// </summary>
    private static RedisResult[] ThrowIfRefused(RedisResult result, TaskOperation operation, string taskId, string? workerId = null)
    {
        var parts = (RedisResult[])result!;
        var code = (int)parts[0];
        return code == 0 ? parts
            : throw Refusal(code, operation, taskId, workerId, code == (int)StoreError.IllegalTransition ? (string)parts[1]! : null);
    }

    /// <summary>The refusal a script's nonzero result code stands for (<paramref name="status"/>: the current one, with -2).</summary>
    private static QueueStoreException Refusal(int code, TaskOperation operation, string taskId, string? workerId, string? status = null) => code switch
    {
        (int)StoreError.NotFound => QueueStoreException.NotFound(taskId),
        (int)StoreError.IllegalTransition when status is not null => QueueStoreException.Illegal(operation, taskId, QueueTaskStatusNames.Parse(status)),
        (int)StoreError.LeaseNotHeld => QueueStoreException.LeaseNotHeld(taskId, workerId ?? "?"),
        // A code no script returns is our bug: nothing to retry.
        _ => new QueueStoreException(StoreError.Internal, $"Unexpected script result {code} for {operation} of task {taskId}.", taskId),
    };
}
