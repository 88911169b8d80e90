using System.Text;
using QueueService.Tasks;

namespace QueueService.Stores.Memory;

// The worker's side: lease, heartbeat, progress and the lease holder's outcomes.
public sealed partial class InMemoryQueueStore
{
    /// <inheritdoc/>
    public Task<IReadOnlyList<TaskLease>> LeaseAsync(string workerId, IReadOnlyList<string> queues, int maxTasks,
        TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (queueNames, leaseMs) = TaskLimits.ValidateLease(workerId, queues, maxTasks, leaseDuration);
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<TaskLease>>(LeaseLocked(workerId, queueNames, maxTasks, leaseMs, NowMs()));
        }
    }

    /// <inheritdoc/>
    public Task<CompleteAndLeaseResult> CompleteAndLeaseAsync(IReadOnlyList<TaskCompletion> completions, string workerId,
        IReadOnlyList<string> queues, int maxTasks, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (queueNames, leaseMs) = TaskLimits.ValidateCompleteAndLease(completions, workerId, queues, maxTasks, leaseDuration);
        var refusals = new QueueStoreException?[completions.Count];
        lock (_gate)
        {
            var nowMs = NowMs();
            for (var i = 0; i < completions.Count; i++)
            {
                try
                {
                    CompleteLocked(HeldLocked(completions[i].Lease), completions[i].ResultJson, nowMs);
                }
                catch (QueueStoreException refused) when (refused.Error is StoreError.LeaseNotHeld or StoreError.NotFound)
                {
                    refusals[i] = refused;
                }
            }
            var leases = maxTasks > 0 ? LeaseLocked(workerId, queueNames, maxTasks, leaseMs, nowMs) : [];
            return Task.FromResult(new CompleteAndLeaseResult(refusals, leases));
        }
    }

    private List<TaskLease> LeaseLocked(string workerId, string[] queueNames, int maxTasks, long leaseMs, long nowMs)
    {
        var leases = new List<TaskLease>();
        PromoteDueLocked(_options.PromoteOnLeaseBatch, nowMs);
        while (leases.Count < maxTasks && TryTakeBestLocked(queueNames, out var task))
        {
            var token = NextSequence();
            MoveLocked(task, QueueTaskStatus.Processing, nowMs, t =>
            {
                t.Attempts++;
                t.StartedAtMs = nowMs;
                t.WorkerId = workerId;
                t.LeaseToken = token;
                t.LeaseExpiresAtMs = nowMs + leaseMs;
                t.Progress = null;
            });
            PublishLeasedLocked(TaskEventKind.Started, task, nowMs, task.Attempts);
            leases.Add(new TaskLease(task.Id, task.Type, task.PayloadJson, task.Priority, task.Attempts, task.MaxRetries,
                workerId, token, DateTimeOffset.FromUnixTimeMilliseconds(nowMs + leaseMs),
                DateTimeOffset.FromUnixTimeMilliseconds(task.CreatedAtMs)));
        }
        return leases;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<TaskLease>> ListLeasesAsync(string workerId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        WorkerInfo.ValidateWorkerId(workerId);
        var leases = new List<TaskLease>();
        lock (_gate)
        {
            // O(processing tasks), as in Redis: the processing index is bounded by the workers' concurrency.
            foreach (var entry in _indexes.Of(QueueTaskStatus.Processing).Range(0))
            {
                var task = _tasks[entry.Id];
                if (task.WorkerId != workerId || task.LeaseToken is not { } token || task.LeaseExpiresAtMs is not { } expiresAtMs) continue;
                leases.Add(new TaskLease(task.Id, task.Type, task.PayloadJson, task.Priority, task.Attempts, task.MaxRetries,
                    workerId, token, DateTimeOffset.FromUnixTimeMilliseconds(expiresAtMs), DateTimeOffset.FromUnixTimeMilliseconds(task.CreatedAtMs)));
            }
        }
        leases.Sort((a, b) => string.CompareOrdinal(a.TaskId, b.TaskId));
        return Task.FromResult<IReadOnlyList<TaskLease>>(leases);
    }

    // The lowest run score across the listed queues: global priority, then global FIFO.
    // O(queues · log N) per task.
    private bool TryTakeBestLocked(string[] queues, out StoredTask best)
    {
        RankedEntry? bestEntry = null;
        foreach (var queue in queues)
        {
            if (_indexes.Of(QueueTaskStatus.Queued, queue).TryGetMin(out var head) &&
                (bestEntry is null || head.Score < bestEntry.Value.Score))
            {
                bestEntry = head;
            }
        }
        best = bestEntry is { } entry ? _tasks[entry.Id] : null!;
        return bestEntry is not null;
    }

    /// <inheritdoc/>
    public Task<HeartbeatResult> HeartbeatAsync(TaskLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var leaseMs = TaskLimits.LeaseMs(leaseDuration);
        lock (_gate)
        {
            var task = HeldLocked(lease);
            var nowMs = NowMs();
            // Never past the lease's ceiling (startedAt + MaxProcessingTime + grace): a hung handler's worker
            // heartbeats forever, so its lease must run out on its own for the reaper to take the task back.
            var ceilingMs = (task.StartedAtMs ?? nowMs) + _options.LeaseCeilingMs;
            var capped = nowMs + leaseMs > ceilingMs;
            var expiresMs = capped ? ceilingMs : nowMs + leaseMs;
            // Lease bookkeeping, not a change users see: updatedAt stays (as in Redis, one write fewer).
            _indexes.Unindex(task);
            task.LeaseExpiresAtMs = expiresMs;
            _indexes.Index(task);
            return Task.FromResult(new HeartbeatResult(DateTimeOffset.FromUnixTimeMilliseconds(expiresMs), task.IsCancelRequested, capped));
        }
    }

    /// <inheritdoc/>
    public Task ReportProgressAsync(TaskLease lease, TaskProgress progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(progress);
        cancellationToken.ThrowIfCancellationRequested();
        var detailsBytes = progress.DetailsJson is null ? 0 : Encoding.UTF8.GetByteCount(progress.DetailsJson);
        if (detailsBytes > _options.MaxPayloadBytes)
            throw QueueStoreException.Invalid("details", $"progress details are {detailsBytes} bytes; the limit is {_options.MaxPayloadBytes}.");
        lock (_gate)
        {
            var task = HeldLocked(lease);
            var nowMs = NowMs();
            // An empty message or details is stored as absent, as Redis does (HDEL).
            var stored = new TaskProgress(Math.Clamp(progress.Percent, 0, 100),
                string.IsNullOrEmpty(progress.Message) ? null : progress.Message,
                string.IsNullOrEmpty(progress.DetailsJson) ? null : progress.DetailsJson);
            task.Progress = stored;
            task.UpdatedAtMs = nowMs;
            // Details stay out of the event: it is kept small; a reader that wants them reads the task.
            PublishLeasedLocked(TaskEventKind.Progress, task, nowMs, task.Attempts, progress: stored with { DetailsJson = null });
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task CompleteAsync(TaskLease lease, string? resultJson, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            CompleteLocked(HeldLocked(lease), resultJson, NowMs());
        }
        return Task.CompletedTask;
    }

    private void CompleteLocked(StoredTask task, string? resultJson, long nowMs)
    {
        var counters = CountersOf(task.Type);
        counters.AverageProcessingMs = EtaEstimator.NextAverage(counters.AverageProcessingMs, nowMs - (task.StartedAtMs ?? nowMs));
        counters.CompletedTotal++;
        // Completes even when a cancel was requested: the work is done.
        MoveLocked(task, QueueTaskStatus.Completed, nowMs, t => t.ResultJson = resultJson);
        PublishLeasedLocked(TaskEventKind.Completed, task, nowMs, task.Attempts);
    }

    /// <inheritdoc/>
    public Task<FailOutcome> FailAsync(TaskLease lease, TaskFailure failure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(failure);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var task = HeldLocked(lease);
            var nowMs = NowMs();
            task.RecordError(failure.Message, TaskLimits.ErrorKind(failure.Kind), nowMs);
            if (task.IsCancelRequested)
            {
                MoveLocked(task, QueueTaskStatus.Cancelled, nowMs);
                PublishLeasedLocked(TaskEventKind.Cancelled, task, nowMs, task.Attempts, task.LastError);
                return Task.FromResult(new FailOutcome(QueueTaskStatus.Cancelled, null));
            }
            if (failure.IsRetryable && task.Attempts <= task.MaxRetries)
            {
                var delay = failure.RetryDelay ?? _backoff.DelayAfter(task.Attempts);
                var dueMs = nowMs + Math.Max(0, (long)delay.TotalMilliseconds);
                MoveLocked(task, QueueTaskStatus.Scheduled, nowMs, t => t.ScheduledForMs = dueMs);
                PublishLeasedLocked(TaskEventKind.Retried, task, nowMs, task.Attempts, task.LastError);
                return Task.FromResult(new FailOutcome(QueueTaskStatus.Scheduled, DateTimeOffset.FromUnixTimeMilliseconds(dueMs)));
            }
            CountersOf(task.Type).FailedTotal++;
            MoveLocked(task, QueueTaskStatus.Failed, nowMs);
            PublishLeasedLocked(TaskEventKind.Failed, task, nowMs, task.Attempts, task.LastError);
            return Task.FromResult(new FailOutcome(QueueTaskStatus.Failed, null));
        }
    }

    /// <inheritdoc/>
    public Task ReleaseAsync(TaskLease lease, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var task = HeldLocked(lease);
            var nowMs = NowMs();
            // The event names the attempt handed back, though it does not count afterwards.
            var released = task.Attempts;
            // The attempt does not count either way: the worker stopped it, the task did not fail.
            task.Attempts = Math.Max(0, task.Attempts - 1);
            // Same RunSeq, so the task goes back to the place it had before the lease.
            MoveLocked(task, task.IsCancelRequested ? QueueTaskStatus.Cancelled : QueueTaskStatus.Queued, nowMs);
            PublishLeasedLocked(task.Status == QueueTaskStatus.Cancelled ? TaskEventKind.Cancelled : TaskEventKind.Queued, task, nowMs, released);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task ConfirmCancelAsync(TaskLease lease, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var task = HeldLocked(lease);
            var nowMs = NowMs();
            MoveLocked(task, QueueTaskStatus.Cancelled, nowMs);
            PublishLeasedLocked(TaskEventKind.Cancelled, task, nowMs, task.Attempts);
        }
        return Task.CompletedTask;
    }

    // The task when the caller's lease is its current one; otherwise the refusal the doc names.
    private StoredTask HeldLocked(TaskLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (!_tasks.TryGetValue(lease.TaskId, out var task)) throw QueueStoreException.NotFound(lease.TaskId);
        if (task.Status != QueueTaskStatus.Processing || task.LeaseToken != lease.LeaseToken)
            throw QueueStoreException.LeaseNotHeld(lease.TaskId, lease.WorkerId);
        return task;
    }
}
