using System.Runtime.CompilerServices;
using System.Globalization;
using System.Text.Json;
using QueueService.Snapshots;
using QueueService.Tasks;
using StackExchange.Redis;

namespace QueueService.Stores.Redis;

// Export and import for backups: one script per page or step of at most SnapshotImport.StepSize tasks.
public sealed partial class RedisQueueStore
{
    // Tasks per export script: Redis runs nothing else meanwhile, so a page is kept to about a millisecond or two.
    private const int ExportPageSize = 250;

    // Import steps sent before the first reply is awaited.
    private const int ImportStepsInFlight = 4;

    /// <inheritdoc/>
    public async Task<string?> GetEpochAsync(CancellationToken cancellationToken = default)
    {
        var epoch = await ReadAsync("epoch", () => Db.StringGetAsync(_keys.Epoch), cancellationToken).ConfigureAwait(false);
        return epoch.IsNullOrEmpty ? null : epoch.ToString();
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<StoreSnapshot> ExportPagesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var meta = (RedisResult[])(await ReadScriptAsync(_scripts.ExportMeta, new ExportMetaArgs(_keys.Namespace), cancellationToken).ConfigureAwait(false))!;
        var part = new StoreSnapshot
        {
            Epoch = meta[0].IsNull ? "" : (string)meta[0]!,
            Sequence = RedisTaskReader.ParseLong((string)meta[1]!),
            TakenAtMs = RedisTaskReader.ParseLong((string)meta[2]!),
            Store = Kind,
            Queues = ReadQueueStats((RedisResult[])meta[3]!),
        };
        var after = "-1";
        while (true)
        {
            var page = (RedisResult[])(await ReadScriptAsync(_scripts.ExportPage,
                new ExportPageArgs(_keys.Namespace, after, ExportPageSize), cancellationToken).ConfigureAwait(false))!;
            for (var i = 2; i < page.Length; i++)
            {
                var entry = (RedisResult[])page[i]!;
                part.Tasks.Add(ReadSnapshotTask(RedisTaskReader.ParseLong((string)entry[0]!), (RedisResult[])entry[1]!));
            }
            var full = (long)page[1] == ExportPageSize;
            yield return part;
            if (!full) yield break;
            after = (string)page[0]!;
            part = new StoreSnapshot();
        }
    }

    /// <inheritdoc/>
    public Task<ImportResult> ImportAsync(StoreSnapshot snapshot, CancellationToken cancellationToken = default) =>
        ImportAsync(snapshot, ImportOptions.Default, cancellationToken);

    /// <inheritdoc/>
    public async Task<ImportResult> ImportAsync(StoreSnapshot snapshot, ImportOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var holdMs = SnapshotImport.ValidateHold(options);
        // The script sets a held lease's expiry from Redis's clock (now + holdMs); Prepare only needs to know there is a hold.
        long? holdMarker = holdMs is null ? null : 0;
        var meta = new List<RedisValue> { snapshot.Epoch ?? "", snapshot.Sequence, 0 };
        var queues = 0;
        foreach (var q in SnapshotImport.CountersAsOfTasks(snapshot).Where(q => TaskLimits.IsValidQueueName(q.Type)))
        {
            meta.Add(q.Type);
            meta.Add(q.Completed);
            meta.Add(q.Failed);
            meta.Add(q.Enqueued);
            meta.Add(q.AverageProcessingMs is { } avg ? avg.ToString("R", CultureInfo.InvariantCulture) : "");
            queues++;
        }
        meta[2] = queues;
        await EvalRawAsync(_scripts.ImportMeta, [_keys.Namespace], [.. meta], cancellationToken).ConfigureAwait(false);

        int imported = 0, skipped = 0, requeued = 0, held = 0;
        // A few steps in flight at once: this process prepares the next while Redis runs the last.
        // Steps are independent (each task carries its own scores), so their order does not matter.
        var inFlight = new Queue<(Task<RedisResult> Reply, List<(SnapshotTask Task, QueueTaskStatus Status, bool Requeued)> Step)>();
        async Task CollectOldestAsync()
        {
            var (reply, step) = inFlight.Dequeue();
            var result = (RedisResult[])(await reply.ConfigureAwait(false))!;
            imported += (int)result[0];
            skipped += (int)result[1];
            var created = (string)result[2]!;
            for (var i = 0; i < step.Count; i++)
            {
                if (created[i] != '1') continue;
                if (step[i].Requeued) requeued++;
                if (step[i].Status == QueueTaskStatus.Processing) held++;
            }
        }
        try
        {
            for (var start = 0; start < snapshot.Tasks.Count; start += SnapshotImport.StepSize)
            {
                // Validate the whole step before sending any of it.
                var step = snapshot.Tasks.Skip(start).Take(SnapshotImport.StepSize)
                    .Select(t => SnapshotImport.Prepare(t, snapshot.TakenAtMs, holdMarker)).ToList();
                var args = new List<RedisValue>(2 + step.Count * 24) { step.Count, holdMs is { } ms ? ms : "" };
                foreach (var (task, _, _) in step) AddImportArgs(args, task);
                inFlight.Enqueue((EvalRawAsync(_scripts.ImportTasks, [_keys.Namespace], [.. args], cancellationToken), step));
                if (inFlight.Count == ImportStepsInFlight) await CollectOldestAsync().ConfigureAwait(false);
            }
            while (inFlight.Count > 0) await CollectOldestAsync().ConfigureAwait(false);
        }
        finally
        {
            // A failed step or an invalid task ends the import: still wait for the steps already sent, so
            // none is left running unobserved (their exceptions are the first one's consequences).
            foreach (var (reply, _) in inFlight)
                await reply.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
        }
        return new ImportResult(imported, skipped, requeued, held);
    }

    /// <inheritdoc/>
    public async Task<bool> TryLockAsync(string name, string owner, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var ttlMs = SnapshotImport.ValidateLock(name, owner, ttl);
        var held = await EvalAsync(_scripts.TryLock, new TryLockArgs(_keys.Lock(name), owner, ttlMs), cancellationToken).ConfigureAwait(false);
        return (long)held == 1;
    }

    private static void AddImportArgs(List<RedisValue> args, SnapshotTask t)
    {
        static RedisValue Opt(long? v) => v is { } n ? n : "";
        args.Add(t.Id);
        args.Add(t.Type);
        args.Add(t.PayloadJson);
        args.Add(t.Priority);
        args.Add(t.Status);
        args.Add(t.Attempts);
        args.Add(t.MaxRetries);
        args.Add(t.Seq);
        args.Add(SnapshotImport.CreatedSeqOf(t));
        args.Add(t.CreatedAtMs);
        args.Add(t.UpdatedAtMs);
        args.Add(Opt(t.StartedAtMs));
        args.Add(Opt(t.CompletedAtMs));
        args.Add(Opt(t.ScheduledForMs));
        args.Add(t.WorkerId ?? "");
        args.Add(Opt(t.LeaseToken));
        args.Add(Opt(t.LeaseExpiresAtMs));
        args.Add(t.CancelRequested ? "1" : "");
        args.Add(Opt(t.ProgressPercent));
        args.Add(t.ProgressPercent is null ? "" : t.ProgressMessage ?? "");
        args.Add(t.ProgressPercent is null ? "" : t.ProgressDetailsJson ?? "");
        args.Add(t.ResultJson ?? "");
        args.Add(t.LastError ?? "");
        args.Add(t.Errors.Count == 0 ? "" : JsonSerializer.Serialize(t.Errors.Select(e => new object[] { e.Attempt, e.Message, e.AtMs, e.Kind })));
    }

    private static SnapshotTask ReadSnapshotTask(long createdSeq, RedisResult[] pairs)
    {
        var f = new Dictionary<string, string>(pairs.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < pairs.Length; i += 2) f[(string)pairs[i]!] = (string)pairs[i + 1]!;
        string? Text(string name) => f.TryGetValue(name, out var v) ? v : null;
        long? Long(string name) => f.TryGetValue(name, out var v) ? RedisTaskReader.ParseLong(v) : null;
        var task = RedisTaskReader.ReadTask(pairs);
        return new SnapshotTask
        {
            Id = task.Id, Type = task.Type, PayloadJson = task.PayloadJson, Priority = task.Priority,
            Status = task.Status.ToWire(), Attempts = task.Attempts, MaxRetries = task.MaxRetries,
            Seq = Long("seq") ?? 0, CreatedSeq = createdSeq,
            CreatedAtMs = Long("createdAt") ?? 0, UpdatedAtMs = Long("updatedAt") ?? 0,
            StartedAtMs = Long("startedAt"), CompletedAtMs = Long("completedAt"), ScheduledForMs = Long("scheduledFor"),
            WorkerId = task.WorkerId, LeaseToken = Long("leaseToken"), LeaseExpiresAtMs = Long("leaseExpiresAt"),
            CancelRequested = task.IsCancelRequested,
            ProgressPercent = task.Progress?.Percent, ProgressMessage = task.Progress?.Message, ProgressDetailsJson = task.Progress?.DetailsJson,
            ResultJson = Text("result"), LastError = Text("lastError"),
            Errors = task.ErrorHistory.Select(SnapshotTaskError.From).ToList(),
        };
    }

    private static List<SnapshotQueueStats> ReadQueueStats(RedisResult[] pairs)
    {
        var byType = new SortedDictionary<string, SnapshotQueueStats>(StringComparer.Ordinal);
        SnapshotQueueStats Of(string type) =>
            byType.TryGetValue(type, out var s) ? s : byType[type] = new SnapshotQueueStats { Type = type };
        for (var i = 0; i + 1 < pairs.Length; i += 2)
        {
            var name = (string)pairs[i]!;
            var value = (string)pairs[i + 1]!;
            var colon = name.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) continue;
            var type = name[(colon + 1)..];
            switch (name[..colon])
            {
                case "completed": Of(type).Completed = RedisTaskReader.ParseLong(value); break;
                case "failed": Of(type).Failed = RedisTaskReader.ParseLong(value); break;
                case "enqueued": Of(type).Enqueued = RedisTaskReader.ParseLong(value); break;
                case "avgMs": Of(type).AverageProcessingMs = double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture); break;
            }
        }
        return [.. byType.Values];
    }
}
