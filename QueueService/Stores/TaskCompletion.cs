namespace QueueService.Stores;

/// <summary>A finished attempt to record with <see cref="IQueueStore.CompleteAndLeaseAsync"/>.</summary>
/// <param name="Lease">The lease the attempt ran under.</param>
/// <param name="ResultJson">The result as JSON text; null for none.</param>
public sealed record TaskCompletion(TaskLease Lease, string? ResultJson);
