using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QueueService.Snapshots;
using QueueService.Stores;
using QueueService.Stores.Failover;
using QueueService.Stores.Redis;

namespace QueueService.Hosting;

// The failover of a Redis-backed API to memory while Redis is down (docs/failover.md).
public static partial class QueueServiceCollectionExtensions
{
    /// <summary>
    /// Wraps the Redis store registered by <see cref="AddRedisQueue"/> (call that first) in a
    /// <see cref="FailoverQueueStore"/> when <c>Queue:Failover:Enabled</c> (default true): the
    /// <see cref="IQueueStore"/> then runs on memory, journalled to <see cref="FailoverOptions.JournalPath"/>
    /// (default <c>failover/journal.rqj</c> under <c>Queue:Snapshots:Directory</c>), while Redis is down and drains
    /// back into it when it answers, restoring the newest snapshot first when Redis came back without its state
    /// (<see cref="BackupService"/>, when backups are registered and enabled). <see cref="FailoverOptions"/> from
    /// <c>Queue:Failover</c>, validated at start; a hosted service starts the store (journal replay, probe) as the
    /// host starts. The failover store records what Redis accepted in a <see cref="RedoLog"/> (<see cref="FailoverOptions.RedoPath"/>),
    /// registered as the backup service's <see cref="IRestoreLog"/>. The in-memory store, and a disabled failover, are left as they are. For the API only:
    /// workers talk to Redis directly and pause while it is down.
    /// </summary>
    /// <exception cref="InvalidOperationException">No store is registered yet.</exception>
    public static IServiceCollection AddQueueFailover(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<FailoverOptions>()
            .Bind(configuration.GetSection(FailoverOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // The redo log (docs/failover.md, "Redis back empty"): opened with the store; the container disposes it after the store.
        services.TryAddSingleton(sp =>
        {
            var failover = sp.GetRequiredService<IOptions<FailoverOptions>>().Value;
            return RedoLog.Open(RedoFolder(failover, sp.GetService<IOptions<SnapshotOptions>>()?.Value), failover,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RedoLog>>());
        });
        // What the backup service's restore merges: the redo log where the store is a failover store, nothing otherwise.
        // Through a view the container does not dispose: the RedoLog registration owns the log, and disposes it after the store.
        services.TryAddSingleton<IRestoreLog>(sp =>
            sp.GetRequiredService<IQueueStore>() is FailoverQueueStore { RedoLog: { } redo } ? new RestoreLogView(redo) : EmptyRestoreLog.Instance);
        var plain = services.LastOrDefault(d => d.ServiceType == typeof(IQueueStore))?.ImplementationFactory
            ?? throw new InvalidOperationException("AddQueueFailover wraps the store of AddRedisQueue: call AddRedisQueue first.");
        services.Replace(ServiceDescriptor.Singleton<IQueueStore>(sp =>
        {
            var store = (IQueueStore)plain(sp);
            var failover = sp.GetRequiredService<IOptions<FailoverOptions>>().Value;
            if (store is not RedisQueueStore redis || !failover.Enabled) return store;
            var snapshots = sp.GetService<IOptions<SnapshotOptions>>()?.Value;
            var journalPath = failover.JournalPath ?? Path.Combine(snapshots?.Directory ?? new SnapshotOptions().Directory, "failover", "journal.rqj");
            return new FailoverQueueStore(redis, journalPath, failover, sp.GetRequiredService<IOptions<QueueStoreOptions>>().Value,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<FailoverQueueStore>>(),
                // Resolved when a drain needs it, not now: the backup service itself depends on this store.
                async ct =>
                {
                    if (snapshots is { Enabled: true } && sp.GetService<BackupService>() is { } backups)
                        await backups.RestoreIfNeededAsync(redis, ct).ConfigureAwait(false);
                },
                // Without backups nothing would ever read or compact the redo log: it is not kept then.
                snapshots is { Enabled: true } ? sp.GetRequiredService<RedoLog>() : null,
                new SnapshotDirectory(EmergencyFolder(journalPath), sp.GetRequiredService<ILogger<SnapshotDirectory>>(),
                    sp.GetRequiredService<TimeProvider>(), keep: 2));
        }));
        services.AddHostedService<FailoverStoreStartup>();
        return services;
    }

    /// <summary>The emergency snapshots' folder: <c>emergency</c> beside the journal.</summary>
    private static string EmergencyFolder(string journalPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(journalPath)) ?? ".", "emergency");

    /// <summary>The redo log's folder: <see cref="FailoverOptions.RedoPath"/>, else <c>failover/redo</c> under the backup directory.</summary>
    private static string RedoFolder(FailoverOptions failover, SnapshotOptions? snapshots) =>
        failover.RedoPath ?? Path.Combine(snapshots?.Directory ?? new SnapshotOptions().Directory, "failover", "redo");

    /// <summary>The redo log as the backup service sees it, without handing the container a second owner of it.</summary>
    private sealed class RestoreLogView(RedoLog log) : IRestoreLog
    {
        public TimeSpan RestoredLeaseDuration => log.RestoredLeaseDuration;

        public void BackupStarting() => log.BackupStarting();

        public void BackupWritten() => log.BackupWritten();

        public Task<IReadOnlyList<JournalEntry>> ReadAllAsync(CancellationToken cancellationToken = default) => log.ReadAllAsync(cancellationToken);
    }

    /// <summary>
    /// Starts the failover store as the host starts (its first call would otherwise) and writes Redis's epoch, as
    /// <see cref="RedisStoreStartup"/> does for a plain Redis store: after the backup service's restore, which runs
    /// in the host's starting phase and decides by that epoch.
    /// </summary>
    private sealed class FailoverStoreStartup(IQueueStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            store is FailoverQueueStore failover ? failover.PrepareRedisAsync(cancellationToken) : Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
