namespace QueueService.Tasks;

/// <summary>
/// The legal-transition table, written once. Both stores check it (the Redis scripts restate the
/// same rules atomically; the contract suite keeps the two equal) and error messages quote it.
/// </summary>
public static class TaskTransitions
{
    /// <summary>The statuses each operation may start from.</summary>
    public static IReadOnlyDictionary<TaskOperation, QueueTaskStatus[]> AllowedFrom { get; } =
        new Dictionary<TaskOperation, QueueTaskStatus[]>
        {
            [TaskOperation.Lease] = [QueueTaskStatus.Queued],
            [TaskOperation.Heartbeat] = [QueueTaskStatus.Processing],
            [TaskOperation.Progress] = [QueueTaskStatus.Processing],
            [TaskOperation.Complete] = [QueueTaskStatus.Processing],
            [TaskOperation.Fail] = [QueueTaskStatus.Processing],
            [TaskOperation.Release] = [QueueTaskStatus.Processing],
            [TaskOperation.ConfirmCancel] = [QueueTaskStatus.Processing],
            [TaskOperation.Cancel] = [QueueTaskStatus.Queued, QueueTaskStatus.Scheduled, QueueTaskStatus.Processing],
            [TaskOperation.Retry] = [QueueTaskStatus.Failed, QueueTaskStatus.Cancelled],
            [TaskOperation.Promote] = [QueueTaskStatus.Scheduled],
        };

    /// <summary>True when <paramref name="operation"/> may start from <paramref name="from"/>.</summary>
    public static bool IsAllowed(TaskOperation operation, QueueTaskStatus from) =>
        Array.IndexOf(AllowedFrom[operation], from) >= 0;

    /// <summary>The message of an illegal-transition refusal, the same from both stores.</summary>
    public static string Describe(TaskOperation operation, string taskId, QueueTaskStatus current) =>
        $"Cannot {operation.ToString().ToLowerInvariant()} task {taskId}: it is {current.ToWire()}, " +
        $"and {operation.ToString().ToLowerInvariant()} is allowed only from " +
        string.Join(" or ", AllowedFrom[operation].Select(s => s.ToWire())) + ".";
}

/// <summary>The state-changing operations of a store.</summary>
public enum TaskOperation
{
    /// <summary>A worker takes a queued task.</summary>
    Lease,
    /// <summary>The lease holder renews its lease.</summary>
    Heartbeat,
    /// <summary>The lease holder reports progress.</summary>
    Progress,
    /// <summary>The lease holder finishes with a result.</summary>
    Complete,
    /// <summary>The lease holder reports a failure (retry or dead-letter).</summary>
    Fail,
    /// <summary>The lease holder hands the task back unfinished (graceful shutdown).</summary>
    Release,
    /// <summary>The lease holder confirms that a requested cancellation took effect.</summary>
    ConfirmCancel,
    /// <summary>A user cancels a task.</summary>
    Cancel,
    /// <summary>A user re-queues a failed or cancelled task.</summary>
    Retry,
    /// <summary>A scheduled task whose time has come moves to its queue.</summary>
    Promote,
}
