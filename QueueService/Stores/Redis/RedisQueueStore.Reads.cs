using System.Globalization;
using Microsoft.Extensions.Logging;
using QueueService.Tasks;
using StackExchange.Redis;

namespace QueueService.Stores.Redis;

// Reads: one script each, so a task's position and estimate cost no extra round trip.
public sealed partial class RedisQueueStore
{
    private static readonly QueueTaskStatus[] StatusOrder =
    [
        QueueTaskStatus.Queued, QueueTaskStatus.Scheduled, QueueTaskStatus.Processing,
        QueueTaskStatus.Completed, QueueTaskStatus.Failed, QueueTaskStatus.Cancelled,
    ];

    /// <inheritdoc/>
    public async Task<QueueTask?> GetAsync(string taskId, CancellationToken cancellationToken = default)
    {
        TaskLimits.ValidateTaskId(taskId);
        var result = await ReadScriptAsync(_scripts.Get, new TaskArgs(_keys.Namespace, _keys.Task(taskId)), cancellationToken);
        return RedisTaskReader.ReadView(result);
    }

    /// <inheritdoc/>
    public async Task<TaskPage> ListAsync(TaskQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var args = new ListArgs(_keys.Namespace, query.Status?.ToWire() ?? "", query.Type ?? "", query.Offset, query.Limit);
        var parts = (RedisResult[])(await ReadScriptAsync(_scripts.List, args, cancellationToken))!;
        var items = new List<QueueTask>(parts.Length - 1);
        for (var i = 1; i < parts.Length; i++)
        {
            if (RedisTaskReader.ReadView(parts[i]) is { } task) items.Add(task);
        }
        return new TaskPage(items, (long)parts[0], query.Offset, query.Limit);
    }

    /// <inheritdoc/>
    public async Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        var parts = (RedisResult[])(await ReadScriptAsync(_scripts.Stats, new NamespaceArgs(_keys.Namespace), cancellationToken))!;
        var queues = new SortedDictionary<string, QueueTypeStats>(StringComparer.Ordinal);
        var totals = StatusCounts.Zero;
        for (var i = 1; i < parts.Length; i++)
        {
            var row = (RedisResult[])parts[i]!;
            var type = (string)row[0]!;
            var counts = new StatusCounts((long)row[1], (long)row[2], (long)row[3], (long)row[4], (long)row[5], (long)row[6]);
            var avg = RedisTaskReader.ReadDouble(row[10]);
            queues[type] = new QueueTypeStats(type, counts, avg is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
                Count(row[7]), Count(row[8]), Count(row[9]));
            totals = totals.Add(counts);
        }
        return new QueueStats(queues, totals, RedisTaskReader.FromMs((long)parts[0]));
    }

    // Counters come back as bulk strings from HMGET, or as the integer 0 the script substitutes.
    private static long Count(RedisResult value) =>
        value.IsNull ? 0 : value.Resp2Type == ResultType.Integer ? (long)value : RedisTaskReader.ParseLong((string)value!);

    /// <inheritdoc/>
    public async Task<int> PromoteDueAsync(int maxTasks = 1000, CancellationToken cancellationToken = default)
    {
        TaskLimits.ValidateMaxTasks(maxTasks);
        var parts = (RedisResult[])(await EvalAsync(_scripts.PromoteDue, new BatchArgs(_keys.Namespace, maxTasks), cancellationToken))!;
        LogOrphans("promoteDue", (long)parts[1]);
        return (int)(long)parts[0];
    }

    private const int FieldsPerReaped = 6;

    // The backoff of each attempt that can be retried (the policy clamps its exponent at 30, so attempt 31 on is
    // the same), drawn once per call: reapExpired.lua picks the one of the task's attempt.
    private string RetryDelaysMs() =>
        string.Join(',', Enumerable.Range(1, 31).Select(attempt =>
            Math.Max(0, (long)_backoff.DelayAfter(attempt).TotalMilliseconds).ToString(CultureInfo.InvariantCulture)));

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ReapedTask>> ReapExpiredAsync(int maxTasks = 1000, CancellationToken cancellationToken = default)
    {
        TaskLimits.ValidateMaxTasks(maxTasks);
        var parts = (RedisResult[])(await EvalAsync(_scripts.ReapExpired, new ReapArgs(_keys.Namespace, maxTasks,
            TaskLimits.LeaseExpiredBefore, TaskLimits.LeaseExpiredAfter, TaskLimits.UnknownWorker,
            _storeOptions.MaxProcessingMs, TaskLimits.TimedOutPrefix(_storeOptions.MaxProcessingTime), TaskLimits.TimedOutAfter,
            RetryDelaysMs()), cancellationToken))!;
        LogOrphans("reapExpired", (long)parts[0]);
        var reaped = new ReapedTask[(parts.Length - 1) / FieldsPerReaped];
        for (var i = 0; i < reaped.Length; i++)
        {
            var at = 1 + (i * FieldsPerReaped);
            reaped[i] = new ReapedTask((string)parts[at]!, (string)parts[at + 1]!, (string)parts[at + 2]!,
                (int)(long)parts[at + 3], QueueTaskStatusNames.Parse((string)parts[at + 4]!),
                (long)parts[at + 5] == 1 ? ReapReason.TimedOut : ReapReason.LeaseExpired);
        }
        return reaped;
    }

    /// <inheritdoc/>
    public async Task<long> PurgeFinishedAsync(TimeSpan olderThan, int maxTasks = 10_000, CancellationToken cancellationToken = default)
    {
        if (olderThan < TimeSpan.Zero) throw QueueStoreException.Invalid("olderThan", $"the age must be 0 or more; got {olderThan}.");
        TaskLimits.ValidateMaxTasks(maxTasks);
        // Chunks of at most MaxTasksPerScript, each the oldest left, so the whole is oldest first too
        // and Redis is never held for long. A chunk that comes back short means nothing older is left.
        long deleted = 0, orphans = 0;
        while (deleted < maxTasks)
        {
            var chunk = (int)Math.Min(MaxTasksPerScript, maxTasks - deleted);
            var parts = (RedisResult[])(await EvalAsync(_scripts.PurgeFinished,
                new PurgeArgs(_keys.Namespace, (long)olderThan.TotalMilliseconds, chunk), cancellationToken))!;
            var removed = (long)parts[0];
            var dropped = (long)parts[1];
            deleted += removed;
            orphans += dropped;
            if (removed + dropped < chunk) break;
        }
        LogOrphans("purgeFinished", orphans);
        return deleted;
    }

    internal static IReadOnlyList<QueueTaskStatus> Statuses => StatusOrder;

    /// <summary>
    /// Orphans are index entries whose task hash is gone: evicted (a maxmemory policy other than
    /// noeviction, see <see cref="CheckServerAsync"/>) or deleted by hand. The scripts drop and skip
    /// them; someone should learn that data went missing.
    /// </summary>
    private void LogOrphans(string script, long orphans)
    {
        if (orphans > 0)
            _logger.LogWarning("Redis store {Prefix}: {Script} removed {Orphans} index entries whose task hash was missing (evicted or deleted by hand)",
                _keys.Prefix, script, orphans);
    }
}
