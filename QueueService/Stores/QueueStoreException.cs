using QueueService.Tasks;

namespace QueueService.Stores;

/// <summary>A refusal from a store: which <see cref="StoreError"/>, about which task or field.</summary>
public sealed class QueueStoreException : Exception
{
    /// <summary>Creates a refusal.</summary>
    public QueueStoreException(StoreError error, string message, string? taskId = null,
        QueueTaskStatus? currentStatus = null, string? field = null, Exception? inner = null)
        : base(message, inner)
    {
        Error = error;
        TaskId = taskId;
        CurrentStatus = currentStatus;
        Field = field;
    }

    /// <summary>What kind of refusal.</summary>
    public StoreError Error { get; }
    /// <summary>The task concerned, if any.</summary>
    public string? TaskId { get; }
    /// <summary>The task's status when refused (for <see cref="StoreError.IllegalTransition"/>).</summary>
    public QueueTaskStatus? CurrentStatus { get; }
    /// <summary>The offending request field (for <see cref="StoreError.Invalid"/>).</summary>
    public string? Field { get; }

    /// <summary>An <see cref="StoreError.Invalid"/> refusal of one field.</summary>
    public static QueueStoreException Invalid(string field, string message) =>
        new(StoreError.Invalid, message, field: field);

    /// <summary>A <see cref="StoreError.NotFound"/> refusal.</summary>
    public static QueueStoreException NotFound(string taskId) =>
        new(StoreError.NotFound, $"Task {taskId} was not found.", taskId);

    /// <summary>A <see cref="StoreError.LeaseNotHeld"/> refusal.</summary>
    public static QueueStoreException LeaseNotHeld(string taskId, string workerId) =>
        new(StoreError.LeaseNotHeld,
            $"Worker {workerId} no longer holds the lease on task {taskId}: it expired and was reclaimed, or the task moved on.",
            taskId);

    /// <summary>An <see cref="StoreError.IllegalTransition"/> refusal, worded from <see cref="TaskTransitions"/>.</summary>
    public static QueueStoreException Illegal(TaskOperation operation, string taskId, QueueTaskStatus current) =>
        new(StoreError.IllegalTransition, TaskTransitions.Describe(operation, taskId, current), taskId, current);
}
