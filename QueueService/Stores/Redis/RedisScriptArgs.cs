using StackExchange.Redis;

namespace QueueService.Stores.Redis;

// Parameter objects of the fixed-shape scripts. LuaScript matches each script's @name to a member
// of exactly that name (case-sensitive), hence the camelCase members: they are the scripts' names.
#pragma warning disable IDE1006

/// <summary>heartbeat.lua.</summary>
internal sealed record HeartbeatArgs(RedisKey ns, RedisKey taskKey, long leaseToken, long leaseMs, long ceilingMs);

/// <summary>progress.lua.</summary>
internal sealed record ProgressArgs(RedisKey ns, RedisKey taskKey, long leaseToken, int percent, string message, string details);

/// <summary>complete.lua.</summary>
internal sealed record CompleteArgs(RedisKey ns, RedisKey taskKey, long leaseToken, int hasResult, string resultJson, double averageWeight);

/// <summary>fail.lua.</summary>
internal sealed record FailArgs(RedisKey ns, RedisKey taskKey, long leaseToken, string message, string kind, int retryable, long retryDelayMs);

/// <summary>release.lua, confirmCancel.lua.</summary>
internal sealed record LeaseOnlyArgs(RedisKey ns, RedisKey taskKey, long leaseToken);

/// <summary>cancel.lua, retry.lua, get.lua.</summary>
internal sealed record TaskArgs(RedisKey ns, RedisKey taskKey);

/// <summary>promoteDue.lua.</summary>
internal sealed record BatchArgs(RedisKey ns, int maxTasks);

/// <summary>
/// reapExpired.lua: the history texts come from C# (<c>TaskLimits.LeaseExpiredMessage</c>, <c>TaskLimits.TimedOutMessage</c>),
/// written once for both stores; so do the retry delays (<c>BackoffPolicy</c>), one per attempt, comma-separated.
/// </summary>
internal sealed record ReapArgs(RedisKey ns, int maxTasks, string expiredBefore, string expiredAfter, string unknownWorker,
    long maxProcessingMs, string timedOutBefore, string timedOutAfter, string retryDelaysMs);

/// <summary>purgeFinished.lua.</summary>
internal sealed record PurgeArgs(RedisKey ns, long olderThanMs, int maxTasks);

/// <summary>list.lua.</summary>
internal sealed record ListArgs(RedisKey ns, string status, string queue, int offset, int limit);

/// <summary>stats.lua, checkServer.lua and listWorkers.lua.</summary>
internal sealed record NamespaceArgs(RedisKey ns);

/// <summary>listLeases.lua.</summary>
internal sealed record ListLeasesArgs(RedisKey ns, string workerId);

/// <summary>registerWorker.lua.</summary>
internal sealed record RegisterWorkerArgs(RedisKey workersKey, RedisKey workerKey, string workerId, string infoJson, long ttlMs);

/// <summary>unregisterWorker.lua.</summary>
internal sealed record UnregisterWorkerArgs(RedisKey workersKey, RedisKey workerKey, string workerId);

#pragma warning restore IDE1006

/// <summary>exportMeta.lua.</summary>
internal sealed record ExportMetaArgs(RedisKey ns);

/// <summary>exportPage.lua.</summary>
internal sealed record ExportPageArgs(RedisKey ns, string afterSeq, int limit);

/// <summary>tryLock.lua.</summary>
internal sealed record TryLockArgs(RedisKey lockKey, string owner, long ttlMs);
