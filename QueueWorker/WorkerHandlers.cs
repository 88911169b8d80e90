using Microsoft.Extensions.DependencyInjection;

namespace QueueWorker;

/// <summary>The handlers this worker runs; the HTTP API's embedded mode registers the same ones.</summary>
public static class WorkerHandlers
{
    /// <summary>Registers every domain handler.</summary>
    public static IServiceCollection Add(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services;
    }
}
