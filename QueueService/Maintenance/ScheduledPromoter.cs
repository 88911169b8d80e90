using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QueueService.Stores;

namespace QueueService.Maintenance;

/// <summary>
/// Moves due scheduled tasks (delays, retry backoff) to their queues every <see cref="MaintenanceOptions.PromoteInterval"/>.
/// Leasing promotes too; this loop keeps positions and wake-ups right when no worker is leasing.
/// </summary>
public sealed class ScheduledPromoter(IQueueStore store, IOptions<MaintenanceOptions> options, TimeProvider time, ILogger<ScheduledPromoter> logger)
    : MaintenanceLoop(time, logger)
{
    /// <inheritdoc/>
    protected override string Activity => "Scheduled promotion";
    /// <inheritdoc/>
    protected override TimeSpan Interval => options.Value.PromoteInterval;
    /// <inheritdoc/>
    protected override bool IsEnabled => options.Value.Enabled;

    /// <inheritdoc/>
    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var promoted = await store.PromoteDueAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (promoted > 0)
            logger.LogDebug("Promoted {Count} due scheduled tasks", promoted);
    }
}
