using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QueueService.Stores;

namespace QueueService.Maintenance;

/// <summary>Deletes finished tasks older than <see cref="MaintenanceOptions.Retention"/> every <see cref="MaintenanceOptions.SweepInterval"/>.</summary>
public sealed class RetentionSweeper(IQueueStore store, IOptions<MaintenanceOptions> options, TimeProvider time, ILogger<RetentionSweeper> logger)
    : MaintenanceLoop(time, logger)
{
    private const int BatchSize = 10_000;
    private const int MaxBatchesPerRound = 10;

    /// <inheritdoc/>
    protected override string Activity => "Retention sweeping";
    /// <inheritdoc/>
    protected override TimeSpan Interval => options.Value.SweepInterval;
    /// <inheritdoc/>
    protected override bool IsEnabled => options.Value.Enabled && options.Value.Retention > TimeSpan.Zero;

    /// <inheritdoc/>
    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        // Batches keep each store call short; the cap leaves a large backlog to the next rounds.
        long total = 0;
        for (var batch = 0; batch < MaxBatchesPerRound; batch++)
        {
            var deleted = await store.PurgeFinishedAsync(options.Value.Retention, BatchSize, cancellationToken).ConfigureAwait(false);
            total += deleted;
            if (deleted < BatchSize) break;
        }
        if (total > 0)
            logger.LogInformation("Deleted {Count} finished tasks older than {Retention}", total, options.Value.Retention);
    }
}
