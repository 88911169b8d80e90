using QueueService.Tasks;

namespace QueueService.Stores.Memory;

// The user's and the maintenance side: cancel, retry, promote due, reap expired leases, purge.
public sealed partial class InMemoryQueueStore
{
    /// <inheritdoc/>
    public Task<CancelOutcome> CancelAsync(string taskId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TaskLimits.ValidateTaskId(taskId);
        lock (_gate)
        {
            var task = FindLocked(taskId);
            if (!TaskTransitions.IsAllowed(TaskOperation.Cancel, task.Status))
                throw QueueStoreException.Illegal(TaskOperation.Cancel, taskId, task.Status);
            var nowMs = NowMs();
            if (task.Status == QueueTaskStatus.Processing)
            {
                // The worker learns it at its next heartbeat and stops; the task stays its until then.
                task.IsCancelRequested = true;
                task.UpdatedAtMs = nowMs;
                PublishLeasedLocked(TaskEventKind.CancelRequested, task, nowMs, task.Attempts);
                return Task.FromResult(CancelOutcome.CancelRequested);
            }
            MoveLocked(task, QueueTaskStatus.Cancelled, nowMs);
            PublishLocked(TaskEventKind.Cancelled, task, nowMs);
            return Task.FromResult(CancelOutcome.Cancelled);
        }
    }

    /// <inheritdoc/>
    public Task<QueueTask> RetryAsync(string taskId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TaskLimits.ValidateTaskId(taskId);
        lock (_gate)
        {
            var task = FindLocked(taskId);
            if (!TaskTransitions.IsAllowed(TaskOperation.Retry, task.Status))
                throw QueueStoreException.Illegal(TaskOperation.Retry, taskId, task.Status);
            var seq = NextSequence();
            var nowMs = NowMs();
            MoveLocked(task, QueueTaskStatus.Queued, nowMs, t =>
            {
                t.RunSeq = seq;
                t.Attempts = 0;
                t.IsCancelRequested = false;
                t.ResultJson = null;
                t.Progress = null;
                t.CompletedAtMs = null;
            });
            PublishLocked(TaskEventKind.Retried, task, nowMs);
            return Task.FromResult(ReadLocked(task));
        }
    }

    /// <inheritdoc/>
    public Task<int> PromoteDueAsync(int maxTasks = 1000, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TaskLimits.ValidateMaxTasks(maxTasks);
        lock (_gate)
        {
            return Task.FromResult(PromoteDueLocked(maxTasks, NowMs()));
        }
    }

    private int PromoteDueLocked(int maxTasks, long nowMs)
    {
        if (maxTasks <= 0) return 0;
        // Collect first: the index cannot change under its own enumeration.
        var due = _indexes.Of(QueueTaskStatus.Scheduled).Range(0)
            .TakeWhile(e => e.Score <= nowMs).Take(maxTasks).Select(e => _tasks[e.Id]).ToList();
        foreach (var task in due)
        {
            // A new sequence: a task that was waiting goes to the back of its priority.
            var seq = NextSequence();
            MoveLocked(task, QueueTaskStatus.Queued, nowMs, t => t.RunSeq = seq);
            PublishLocked(TaskEventKind.Queued, task, nowMs);
        }
        return due.Count;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ReapedTask>> ReapExpiredAsync(int maxTasks = 1000, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TaskLimits.ValidateMaxTasks(maxTasks);
        var reaped = new List<ReapedTask>();
        lock (_gate)
        {
            var nowMs = NowMs();
            var expired = _indexes.Of(QueueTaskStatus.Processing).Range(0)
                .TakeWhile(e => e.Score <= nowMs).Take(maxTasks).Select(e => _tasks[e.Id]).ToList();
            foreach (var task in expired)
            {
                var workerId = string.IsNullOrEmpty(task.WorkerId) ? TaskLimits.UnknownWorker : task.WorkerId;
                // Ran for MaxProcessingTime or longer: a time-out, handled as the worker's own time-out is
                // (a retry after backoff); otherwise a lost lease, back to its place in line.
                var timedOut = nowMs - (task.StartedAtMs ?? nowMs) >= _options.MaxProcessingMs;
                if (timedOut)
                    task.RecordError(TaskLimits.TimedOutMessage(workerId, _options.MaxProcessingTime), TaskErrorKinds.Timeout, nowMs);
                else
                    task.RecordError(TaskLimits.LeaseExpiredMessage(workerId), TaskErrorKinds.LeaseExpired, nowMs);
                QueueTaskStatus to;
                TaskEventKind kind;
                long? dueMs = null;
                if (task.IsCancelRequested)
                {
                    (to, kind) = (QueueTaskStatus.Cancelled, TaskEventKind.Cancelled);
                }
                else if (task.Attempts <= task.MaxRetries && timedOut)
                {
                    (to, kind) = (QueueTaskStatus.Scheduled, TaskEventKind.Retried);
                    dueMs = nowMs + Math.Max(0, (long)_backoff.DelayAfter(task.Attempts).TotalMilliseconds);
                }
                else if (task.Attempts <= task.MaxRetries)
                {
                    // Same RunSeq: it was already ahead in line, so it keeps its place.
                    (to, kind) = (QueueTaskStatus.Queued, TaskEventKind.Queued);
                }
                else
                {
                    (to, kind) = (QueueTaskStatus.Failed, TaskEventKind.Failed);
                    CountersOf(task.Type).FailedTotal++;
                }
                MoveLocked(task, to, nowMs, dueMs is { } due ? t => t.ScheduledForMs = due : null);
                PublishLocked(kind, task, nowMs, task.Attempts, workerId, task.LastError);
                reaped.Add(new ReapedTask(task.Id, task.Type, workerId, task.Attempts, to, timedOut ? ReapReason.TimedOut : ReapReason.LeaseExpired));
            }
        }
        return Task.FromResult<IReadOnlyList<ReapedTask>>(reaped);
    }

    /// <inheritdoc/>
    public Task<long> PurgeFinishedAsync(TimeSpan olderThan, int maxTasks = 10_000, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (olderThan < TimeSpan.Zero) throw QueueStoreException.Invalid("olderThan", $"the age must be 0 or more; got {olderThan}.");
        TaskLimits.ValidateMaxTasks(maxTasks);
        lock (_gate)
        {
            var cutoffMs = NowMs() - (long)olderThan.TotalMilliseconds;
            // The oldest first across the three finished statuses, each index read from its start.
            var victims = new[] { QueueTaskStatus.Completed, QueueTaskStatus.Failed, QueueTaskStatus.Cancelled }
                .SelectMany(status => _indexes.Of(status).Range(0).TakeWhile(e => e.Score < cutoffMs).Take(maxTasks).ToList())
                .OrderBy(e => e.Score).ThenBy(e => e.Id, StringComparer.Ordinal)
                .Take(maxTasks)
                .ToList();
            foreach (var entry in victims)
            {
                _indexes.RemoveAll(_tasks[entry.Id]);
                _tasks.Remove(entry.Id);
            }
            return Task.FromResult((long)victims.Count);
        }
    }

    private StoredTask FindLocked(string taskId)
    {
        return _tasks.TryGetValue(taskId, out var task) ? task : throw QueueStoreException.NotFound(taskId);
    }
}
