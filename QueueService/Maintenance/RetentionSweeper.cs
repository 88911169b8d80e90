using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QueueService.Spool;
using QueueService.Stores;

namespace QueueService.Maintenance;

/// <summary>
/// Deletes finished tasks older than <see cref="MaintenanceOptions.Retention"/> every <see cref="MaintenanceOptions.SweepInterval"/>,
/// then the spooled files of tasks the store no longer holds (<see cref="TaskSpool.SweepOrphans"/>).
/// </summary>
public sealed class RetentionSweeper(IQueueStore store, TaskSpool spool, IOptions<MaintenanceOptions> options, TimeProvider time, ILogger<RetentionSweeper> logger)
    : MaintenanceLoop(time, logger)
{
    private const int BatchSize = 10_000;
    private const int MaxBatchesPerRound = 10;
    // An upload is spooled just before its task is enqueued: spare folders younger than this.
    private static readonly TimeSpan OrphanFolderMinAge = TimeSpan.FromMinutes(10);

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
        var folders = await spool.SweepOrphans(async (id, ct) => await store.GetAsync(id, ct).ConfigureAwait(false) is not null,
            OrphanFolderMinAge, Time, cancellationToken).ConfigureAwait(false);
        if (folders > 0)
            logger.LogInformation("Deleted the spooled files of {Count} tasks the store no longer holds", folders);
    }
}
