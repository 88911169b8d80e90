using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QueueService.Snapshots;

namespace QueueService.Hosting;

// Backups: the snapshot folder and the service that writes and restores it.
public static partial class QueueServiceCollectionExtensions
{
    /// <summary>
    /// Adds backups: <see cref="SnapshotOptions"/> from <c>Queue:Snapshots</c> (env <c>BACKUP_DIR</c>,
    /// <c>BACKUP_INTERVAL</c>), validated at start; a <see cref="SnapshotDirectory"/>; and the
    /// <see cref="BackupService"/>, as a singleton (inject it to back up on demand) and as the hosted service
    /// that restores before the other hosted services start, backs up periodically and on shutdown.
    /// Needs a store (<see cref="AddRedisQueue"/>). Register it before the workers, so it stops after them
    /// and the shutdown backup sees what they handed back.
    /// </summary>
    public static IServiceCollection AddQueueSnapshots(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<SnapshotOptions>()
            .Bind(configuration.GetSection(SnapshotOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SnapshotOptions>>().Value;
            return new SnapshotDirectory(options.Directory, sp.GetRequiredService<ILogger<SnapshotDirectory>>(),
                sp.GetRequiredService<TimeProvider>(), options.Keep);
        });
        services.TryAddSingleton<BackupService>();
        services.AddHostedService(sp => sp.GetRequiredService<BackupService>());
        return services;
    }
}
