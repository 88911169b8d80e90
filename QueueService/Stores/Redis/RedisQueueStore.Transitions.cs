using System.Text;
using QueueService.Tasks;
using StackExchange.Redis;

namespace QueueService.Stores.Redis;

// Transitions a submitter or a worker makes: enqueue, lease and what a lease holder does.
public sealed partial class RedisQueueStore
{
    private const int ArgsPerEnqueue = 8;
    private const int FieldsPerEnqueue = 5;
    private const int FieldsPerLease = 9;

    /// <summary>
    /// The most tasks one script call touches (enqueue of a batch, purge): a script blocks Redis
    /// while it runs, so larger requests are split into calls of at most this many, tens of ms at worst.
    /// </summary>
    internal const int MaxTasksPerScript = 1000;

    /// <inheritdoc/>
    public async Task<EnqueueResult> EnqueueAsync(NewTask task, CancellationToken cancellationToken = default) =>
        (await EnqueueBatchAsync([task], cancellationToken))[0];

    /// <inheritdoc/>
    /// <remarks>
    /// Every task is validated here before anything is sent, so an invalid task still stores none.
    /// One script call takes at most <see cref="MaxTasksPerScript"/> tasks, so Redis is never held
    /// for long; a larger batch goes as several calls in list order. Each call is atomic, the batch as
    /// a whole is not: if Redis fails between calls, the earlier chunks stay stored (the caller sees
    /// <see cref="StoreError.Unavailable"/>, which already means "may have applied"; re-sending with
    /// the same ids is safe, existing ids are not created twice).
    /// </remarks>
    public async Task<IReadOnlyList<EnqueueResult>> EnqueueBatchAsync(IReadOnlyList<NewTask> tasks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        for (var i = 0; i < tasks.Count; i++)
        {
            try
            {
                TaskLimits.Validate(tasks[i], _storeOptions.MaxPayloadBytes);
            }
            catch (QueueStoreException e) when (e.Error == StoreError.Invalid && tasks.Count > 1)
            {
                throw new QueueStoreException(StoreError.Invalid, $"task {i} of the batch: {e.Message}", field: e.Field, inner: e);
            }
        }
        var results = new List<EnqueueResult>(tasks.Count);
        for (var start = 0; start < tasks.Count; start += MaxTasksPerScript)
        {
            results.AddRange(await EnqueueChunkAsync(tasks, start, Math.Min(MaxTasksPerScript, tasks.Count - start), cancellationToken));
        }
        return results;
    }

    /// <summary>One enqueue script call for <paramref name="count"/> validated tasks from <paramref name="start"/>.</summary>
    private async Task<EnqueueResult[]> EnqueueChunkAsync(IReadOnlyList<NewTask> tasks, int start, int count, CancellationToken ct)
    {
        var keys = new RedisKey[count + 1];
        var values = new RedisValue[1 + (count * ArgsPerEnqueue)];
        keys[0] = _keys.Namespace;
        values[0] = count;
        for (var i = 0; i < count; i++)
        {
            var task = tasks[start + i];
            var id = task.Id ?? TaskLimits.NewTaskId(_time);
            keys[i + 1] = _keys.Task(id);
            var at = 1 + (i * ArgsPerEnqueue);
            values[at] = id;
            values[at + 1] = task.Type;
            values[at + 2] = task.PayloadJson;
            values[at + 3] = task.Priority;
            values[at + 4] = task.MaxRetries;
            values[at + 5] = task.Delay is { } delay ? TaskLimits.DelayMs(delay) : -1;
            values[at + 6] = task.RunAt is { } runAt ? runAt.ToUnixTimeMilliseconds() : -1;
            values[at + 7] = task.CreatedAt is { } createdAt ? createdAt.ToUnixTimeMilliseconds() : -1;
        }

        var parts = (RedisResult[])(await EvalRawAsync(_scripts.Enqueue, keys, values, ct))!;
        // { now, m, m × (type, avgMs, processing), count × (created, status, createdAt or nil, rank, type or nil) }: see enqueue.lua.
        var now = RedisTaskReader.FromMs((long)parts[0]);
        var queues = (int)(long)parts[1];
        var facts = new Dictionary<string, (double? AverageMs, long Processing)>(queues, StringComparer.Ordinal);
        for (var q = 0; q < queues; q++)
        {
            var at = 2 + (q * 3);
            facts[(string)parts[at]!] = (RedisTaskReader.ReadDouble(parts[at + 1]), (long)parts[at + 2]);
        }
        var first = 2 + (queues * 3);
        var results = new EnqueueResult[count];
        for (var i = 0; i < results.Length; i++)
        {
            var at = first + (i * FieldsPerEnqueue);
            var task = tasks[start + i];
            var created = (long)parts[at] == 1;
            var status = QueueTaskStatusNames.Parse((string)parts[at + 1]!);
            // Null only for a task created now without a CreatedAt of its own (a given one is at least 1 ms, TaskLimits).
            var createdAt = parts[at + 2].IsNull ? now : RedisTaskReader.FromMs(RedisTaskReader.ParseLong((string)parts[at + 2]!));
            var rank = (long)parts[at + 3];
            long? position = status == QueueTaskStatus.Queued && rank >= 0 ? rank + 1 : null;
            TimeSpan? wait = null;
            if (position is { } p && facts.TryGetValue(parts[at + 4].IsNull ? task.Type : (string)parts[at + 4]!, out var queue))
                wait = EtaEstimator.Estimate(p, queue.AverageMs, queue.Processing);
            results[i] = new EnqueueResult((string)values[1 + (i * ArgsPerEnqueue)]!, created, status, createdAt, position, wait);
        }
        return results;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<TaskLease>> LeaseAsync(string workerId, IReadOnlyList<string> queues, int maxTasks,
        TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        var (distinct, leaseMs) = TaskLimits.ValidateLease(workerId, queues, maxTasks, leaseDuration);
        var keys = new RedisKey[distinct.Length + 1];
        keys[0] = _keys.Namespace;
        for (var i = 0; i < distinct.Length; i++) keys[i + 1] = _keys.Queued(distinct[i]);
        RedisValue[] values = [workerId, maxTasks, leaseMs, _storeOptions.PromoteOnLeaseBatch];

        var parts = (RedisResult[])(await EvalRawAsync(_scripts.Lease, keys, values, cancellationToken))!;
        LogOrphans("lease", (long)parts[0]);
        return ReadLeases(parts, 1, workerId);
    }

    /// <inheritdoc/>
    public async Task<CompleteAndLeaseResult> CompleteAndLeaseAsync(IReadOnlyList<TaskCompletion> completions, string workerId,
        IReadOnlyList<string> queues, int maxTasks, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        var (distinct, leaseMs) = TaskLimits.ValidateCompleteAndLease(completions, workerId, queues, maxTasks, leaseDuration);
        var count = completions.Count;
        var keys = new RedisKey[1 + count + distinct.Length];
        keys[0] = _keys.Namespace;
        var values = new RedisValue[6 + (count * 3)];
        values[0] = count;
        values[1] = workerId;
        values[2] = maxTasks;
        values[3] = leaseMs;
        values[4] = _storeOptions.PromoteOnLeaseBatch;
        values[5] = EtaEstimator.MovingAverageWeight;
        for (var i = 0; i < count; i++)
        {
            var completion = completions[i];
            keys[1 + i] = _keys.Task(completion.Lease.TaskId);
            values[6 + (i * 3)] = completion.Lease.LeaseToken;
            values[7 + (i * 3)] = completion.ResultJson is null ? 0 : 1;
            values[8 + (i * 3)] = completion.ResultJson ?? "";
        }
        for (var q = 0; q < distinct.Length; q++) keys[1 + count + q] = _keys.Queued(distinct[q]);

        var parts = (RedisResult[])(await EvalRawAsync(_scripts.CompleteAndLease, keys, values, cancellationToken))!;
        var refusals = new QueueStoreException?[count];
        for (var i = 0; i < count; i++)
        {
            var lease = completions[i].Lease;
            var code = (int)parts[i];
            refusals[i] = code == 0 ? null : Refusal(code, TaskOperation.Complete, lease.TaskId, lease.WorkerId);
        }
        LogOrphans("lease", (long)parts[count]);
        return new CompleteAndLeaseResult(refusals, ReadLeases(parts, count + 1, workerId));
    }

    /// <summary>The leases of a lease or completeAndLease reply: 9 values each from <paramref name="start"/>.</summary>
    private static TaskLease[] ReadLeases(RedisResult[] parts, int start, string workerId)
    {
        var leases = new TaskLease[(parts.Length - start) / FieldsPerLease];
        for (var i = 0; i < leases.Length; i++)
        {
            var at = start + (i * FieldsPerLease);
            leases[i] = new TaskLease(
                TaskId: (string)parts[at]!,
                Type: (string)parts[at + 1]!,
                PayloadJson: (string)parts[at + 2]!,
                Priority: (int)RedisTaskReader.ParseLong((string)parts[at + 3]!),
                Attempt: (int)(long)parts[at + 4],
                MaxRetries: (int)RedisTaskReader.ParseLong((string)parts[at + 5]!),
                WorkerId: workerId,
                LeaseToken: (long)parts[at + 6],
                LeaseExpiresAt: RedisTaskReader.FromMs((long)parts[at + 7]),
                CreatedAt: RedisTaskReader.FromMs(RedisTaskReader.ParseLong((string)parts[at + 8]!)));
        }
        return leases;
    }

    /// <inheritdoc/>
    public async Task<HeartbeatResult> HeartbeatAsync(TaskLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var leaseMs = TaskLimits.LeaseMs(leaseDuration);
        var result = await EvalAsync(_scripts.Heartbeat,
            new HeartbeatArgs(_keys.Namespace, _keys.Task(lease.TaskId), lease.LeaseToken, leaseMs, _storeOptions.LeaseCeilingMs), cancellationToken);
        var parts = ThrowIfRefused(result, TaskOperation.Heartbeat, lease.TaskId, lease.WorkerId);
        return new HeartbeatResult(RedisTaskReader.FromMs((long)parts[1]), (long)parts[2] == 1, (long)parts[3] == 1);
    }

    /// <inheritdoc/>
    public async Task ReportProgressAsync(TaskLease lease, TaskProgress progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(progress);
        if (progress.DetailsJson is { } details && Encoding.UTF8.GetByteCount(details) > _storeOptions.MaxPayloadBytes)
            throw QueueStoreException.Invalid("details", $"progress details are limited to {_storeOptions.MaxPayloadBytes} bytes.");
        var result = await EvalAsync(_scripts.Progress, new ProgressArgs(_keys.Namespace, _keys.Task(lease.TaskId), lease.LeaseToken,
            Math.Clamp(progress.Percent, 0, 100), progress.Message ?? "", progress.DetailsJson ?? ""), cancellationToken);
        ThrowIfRefused(result, TaskOperation.Progress, lease.TaskId, lease.WorkerId);
    }

    /// <inheritdoc/>
    public async Task CompleteAsync(TaskLease lease, string? resultJson, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var result = await EvalAsync(_scripts.Complete, new CompleteArgs(_keys.Namespace, _keys.Task(lease.TaskId), lease.LeaseToken,
            resultJson is null ? 0 : 1, resultJson ?? "", EtaEstimator.MovingAverageWeight), cancellationToken);
        ThrowIfRefused(result, TaskOperation.Complete, lease.TaskId, lease.WorkerId);
    }

    /// <inheritdoc/>
    public async Task<FailOutcome> FailAsync(TaskLease lease, TaskFailure failure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(failure);
        // The delay is computed here (BackoffPolicy is C#); whether it is used is decided atomically in Lua.
        var delay = failure.RetryDelay ?? _backoff.DelayAfter(lease.Attempt);
        var result = await EvalAsync(_scripts.Fail, new FailArgs(_keys.Namespace, _keys.Task(lease.TaskId), lease.LeaseToken,
            TaskLimits.TrimError(failure.Message), TaskLimits.ErrorKind(failure.Kind),
            failure.IsRetryable ? 1 : 0, Math.Max(0, (long)delay.TotalMilliseconds)), cancellationToken);
        var parts = ThrowIfRefused(result, TaskOperation.Fail, lease.TaskId, lease.WorkerId);
        var retryAtMs = (long)parts[2];
        return new FailOutcome(QueueTaskStatusNames.Parse((string)parts[1]!), retryAtMs >= 0 ? RedisTaskReader.FromMs(retryAtMs) : null);
    }

    /// <inheritdoc/>
    public async Task ReleaseAsync(TaskLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var result = await EvalAsync(_scripts.Release,
            new LeaseOnlyArgs(_keys.Namespace, _keys.Task(lease.TaskId), lease.LeaseToken), cancellationToken);
        ThrowIfRefused(result, TaskOperation.Release, lease.TaskId, lease.WorkerId);
    }

    /// <inheritdoc/>
    public async Task ConfirmCancelAsync(TaskLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var result = await EvalAsync(_scripts.ConfirmCancel,
            new LeaseOnlyArgs(_keys.Namespace, _keys.Task(lease.TaskId), lease.LeaseToken), cancellationToken);
        ThrowIfRefused(result, TaskOperation.ConfirmCancel, lease.TaskId, lease.WorkerId);
    }

    /// <inheritdoc/>
    public async Task<CancelOutcome> CancelAsync(string taskId, CancellationToken cancellationToken = default)
    {
        TaskLimits.ValidateTaskId(taskId);
        var result = await EvalAsync(_scripts.Cancel, new TaskArgs(_keys.Namespace, _keys.Task(taskId)), cancellationToken);
        var parts = ThrowIfRefused(result, TaskOperation.Cancel, taskId);
        return (string)parts[1]! == "cancelled" ? CancelOutcome.Cancelled : CancelOutcome.CancelRequested;
    }

    /// <inheritdoc/>
    public async Task<QueueTask> RetryAsync(string taskId, CancellationToken cancellationToken = default)
    {
        TaskLimits.ValidateTaskId(taskId);
        var result = await EvalAsync(_scripts.Retry, new TaskArgs(_keys.Namespace, _keys.Task(taskId)), cancellationToken);
        var parts = ThrowIfRefused(result, TaskOperation.Retry, taskId);
        return RedisTaskReader.ReadView(parts[1]) ?? throw QueueStoreException.NotFound(taskId);
    }

}
