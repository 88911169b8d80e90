using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QueueService.Stores;
using QueueService.Tasks;

namespace QueueService.Maintenance;

/// <summary>Reclaims tasks whose lease expired (crashed or hung workers) every <see cref="MaintenanceOptions.ReapInterval"/>.</summary>
public sealed class LeaseReaper(IQueueStore store, IOptions<MaintenanceOptions> options, TimeProvider time, ILogger<LeaseReaper> logger)
    : MaintenanceLoop(time, logger)
{
    /// <inheritdoc/>
    protected override string Activity => "Lease reaping";
    /// <inheritdoc/>
    protected override TimeSpan Interval => options.Value.ReapInterval;
    /// <inheritdoc/>
    protected override bool IsEnabled => options.Value.Enabled;

    /// <inheritdoc/>
    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var reaped = await store.ReapExpiredAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var task in reaped)
        {
            logger.LogWarning("Reclaimed task {TaskId} of queue {Queue} from worker {WorkerId}: its lease expired during attempt {Attempt}; it is now {Status}",
                task.TaskId, task.Type, task.WorkerId, task.Attempt, task.NewStatus.ToWire());
        }
    }
}
