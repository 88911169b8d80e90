using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using QueueService.Maintenance;
using QueueService.Spool;
using QueueService.Workers;

namespace QueueService.Hosting;

/// <summary>Registers the queue's parts in a host: the store, workers, handlers and maintenance.</summary>
public static partial class QueueServiceCollectionExtensions
{
    /// <summary>
    /// Adds the processing loop (<see cref="QueueWorkerService"/>) with <see cref="WorkerOptions"/> from
    /// <c>Queue:Worker</c>, validated at start, and a <see cref="WorkerState"/> singleton. Needs a store
    /// (<see cref="AddRedisQueue"/>) and handlers (<see cref="AddTaskHandler{THandler}"/>).
    /// Raises <see cref="HostOptions.ShutdownTimeout"/> to more than <see cref="WorkerOptions.WorstCaseStopTime"/>
    /// (grace period + time for cancelled handlers to stop + time to record their release), so the host
    /// does not give up on the loop before it has handed its tasks back. Adds the <see cref="TaskSpool"/>
    /// (<see cref="AddTaskSpool"/>): the loop deletes a task's files once it finishes for good.
    /// </summary>
    public static IServiceCollection AddQueueWorker(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddTaskSpool(configuration);
        services.AddOptions<WorkerOptions>()
            .Bind(configuration.GetSection(WorkerOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>());
        services.AddOptions<HostOptions>().Configure(host =>
        {
            // Bound here without validation: the host reads HostOptions while it is built, before
            // ValidateOnStart runs, and bad worker options must fail at start with their own message.
            var worker = TryBind(configuration.GetSection(WorkerOptions.Section));
            var needed = worker.WorstCaseStopTime + TimeSpan.FromSeconds(5);
            if (host.ShutdownTimeout < needed)
                host.ShutdownTimeout = needed;
        });
        services.TryAddSingleton<WorkerState>();
        services.AddHostedService<QueueWorkerService>();
        return services;
    }

    private static WorkerOptions TryBind(IConfigurationSection section)
    {
        try
        {
            return section.Get<WorkerOptions>() ?? new WorkerOptions();
        }
        catch (InvalidOperationException)
        {
            return new WorkerOptions(); // unreadable values: the options validation at start reports them
        }
    }

    /// <summary>Registers a handler (a singleton) for the queue it names in <see cref="ITaskHandler.Queue"/>. One handler per queue.</summary>
    public static IServiceCollection AddTaskHandler<THandler>(this IServiceCollection services)
        where THandler : class, ITaskHandler
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskHandler, THandler>());
        return services;
    }

    /// <summary>
    /// Adds the maintenance loops (<see cref="LeaseReaper"/>, <see cref="ScheduledPromoter"/>,
    /// <see cref="RetentionSweeper"/>) with <see cref="MaintenanceOptions"/> from <c>Queue:Maintenance</c>.
    /// Every store operation they run is safe to run from several processes at once.
    /// </summary>
    public static IServiceCollection AddQueueMaintenance(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddTaskSpool(configuration);
        services.AddOptions<MaintenanceOptions>()
            .Bind(configuration.GetSection(MaintenanceOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<ReclaimCounter>();
        services.AddHostedService<LeaseReaper>();
        services.AddHostedService<ScheduledPromoter>();
        services.AddHostedService<RetentionSweeper>();
        return services;
    }

    /// <summary>
    /// Adds the <see cref="TaskSpool"/> with <see cref="SpoolOptions"/> (<c>Queue:SpoolDirectory</c>, env
    /// <c>SPOOL_DIR</c>), validated at start. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddTaskSpool(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(TaskSpool)))
            return services;
        services.AddOptions<SpoolOptions>()
            .Bind(configuration.GetSection(SpoolOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<TaskSpool>();
        return services;
    }
}
