using QueueService.Stores;

namespace QueueService.Workers;

/// <summary>Which transition records an attempt's outcome.</summary>
internal enum HeldOutcomeKind
{
    /// <summary><see cref="IQueueStore.CompleteAsync"/> with <see cref="HeldOutcome.ResultJson"/>.</summary>
    Completed,
    /// <summary><see cref="IQueueStore.FailAsync"/> with <see cref="HeldOutcome.Failure"/>.</summary>
    Failed,
    /// <summary><see cref="IQueueStore.ConfirmCancelAsync"/>.</summary>
    CancelConfirmed,
    /// <summary><see cref="IQueueStore.ReleaseAsync"/>: handed back unfinished.</summary>
    Released,
}

/// <summary>An attempt's outcome as the worker records it, and records again when the store lost it.</summary>
/// <param name="Kind">The transition.</param>
/// <param name="ResultJson">The handler's result, for <see cref="HeldOutcomeKind.Completed"/>.</param>
/// <param name="Failure">The failure, for <see cref="HeldOutcomeKind.Failed"/>.</param>
internal sealed record HeldOutcome(HeldOutcomeKind Kind, string? ResultJson = null, TaskFailure? Failure = null)
{
    public static HeldOutcome Completed(string? resultJson) => new(HeldOutcomeKind.Completed, resultJson);
    public static HeldOutcome Failed(TaskFailure failure) => new(HeldOutcomeKind.Failed, Failure: failure);
    public static HeldOutcome CancelConfirmed { get; } = new(HeldOutcomeKind.CancelConfirmed);
    public static HeldOutcome Released { get; } = new(HeldOutcomeKind.Released);

    /// <summary>The verb for logs: <c>complete</c>, <c>fail</c>, <c>confirm cancel</c>, <c>release</c>.</summary>
    public string Action => Kind switch
    {
        HeldOutcomeKind.Completed => "complete",
        HeldOutcomeKind.Failed => "fail",
        HeldOutcomeKind.CancelConfirmed => "confirm cancel",
        _ => "release",
    };

    /// <summary>The characters this outcome keeps alive beyond a fixed size: the result and the error.</summary>
    public long TextLength => (ResultJson?.Length ?? 0) + (Failure is null ? 0 : (Failure.Message?.Length ?? 0) + (Failure.Kind?.Length ?? 0));
}
