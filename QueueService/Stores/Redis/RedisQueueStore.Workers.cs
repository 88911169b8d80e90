using System.Text.Json;
using StackExchange.Redis;

namespace QueueService.Stores.Redis;

// The worker registry: zset `workers` (id → expiry ms) and one hash `worker:<id>` per worker.
public sealed partial class RedisQueueStore
{
    /// <inheritdoc/>
    public async Task RegisterWorkerAsync(WorkerInfo worker, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        WorkerInfo.Validate(worker, ttl);
        var infoJson = JsonSerializer.Serialize(worker);
        await EvalAsync(_scripts.RegisterWorker, new RegisterWorkerArgs(_keys.Workers, _keys.Worker(worker.WorkerId),
            worker.WorkerId, infoJson, WorkerInfo.TtlMs(ttl)), cancellationToken);
    }

    /// <inheritdoc/>
    public async Task UnregisterWorkerAsync(string workerId, CancellationToken cancellationToken = default)
    {
        WorkerInfo.ValidateWorkerId(workerId);
        await EvalAsync(_scripts.UnregisterWorker, new UnregisterWorkerArgs(_keys.Workers, _keys.Worker(workerId), workerId), cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<WorkerInfo>> ListWorkersAsync(CancellationToken cancellationToken = default)
    {
        // Drops expired entries too, but that is housekeeping any later call would repeat: safe to stop waiting.
        var parts = (RedisResult[])(await ReadScriptAsync(_scripts.ListWorkers, new NamespaceArgs(_keys.Namespace), cancellationToken))!;
        var workers = new List<WorkerInfo>(parts.Length / 3);
        for (var i = 0; i + 2 < parts.Length; i += 3)
        {
            var info = JsonSerializer.Deserialize<WorkerInfo>((string)parts[i + 1]!)
                ?? throw new QueueStoreException(StoreError.Internal, $"The registry entry of worker {(string?)parts[i]} is empty.");
            workers.Add(info with { LastHeartbeatAt = RedisTaskReader.FromMs(RedisTaskReader.ParseLong((string)parts[i + 2]!)) });
        }
        workers.Sort((a, b) => string.CompareOrdinal(a.WorkerId, b.WorkerId));
        return workers;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<TaskLease>> ListLeasesAsync(string workerId, CancellationToken cancellationToken = default)
    {
        WorkerInfo.ValidateWorkerId(workerId);
        var parts = (RedisResult[])(await ReadScriptAsync(_scripts.ListLeases, new ListLeasesArgs(_keys.Namespace, workerId), cancellationToken))!;
        var leases = new List<TaskLease>(parts.Length / FieldsPerLease);
        for (var at = 0; at + FieldsPerLease <= parts.Length; at += FieldsPerLease)
        {
            long Long(int offset) => RedisTaskReader.ParseLong((string)parts[at + offset]!);
            leases.Add(new TaskLease(
                TaskId: (string)parts[at]!,
                Type: (string)parts[at + 1]!,
                PayloadJson: (string)parts[at + 2]!,
                Priority: (int)Long(3),
                Attempt: (int)Long(4),
                MaxRetries: (int)Long(5),
                WorkerId: workerId,
                LeaseToken: Long(6),
                LeaseExpiresAt: RedisTaskReader.FromMs(Long(7)),
                CreatedAt: RedisTaskReader.FromMs(Long(8))));
        }
        leases.Sort((a, b) => string.CompareOrdinal(a.TaskId, b.TaskId));
        return leases;
    }
}
