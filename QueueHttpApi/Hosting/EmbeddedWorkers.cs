using System.Globalization;
using QueueService.Hosting;
using QueueService.Workers;
using QueueWorker;
using QueueWorker.Handlers.RiskDetection;

namespace QueueHttpApi.Hosting;

/// <summary>
/// Workers inside the API process: the same handlers and processing loop as a QueueWorker process,
/// serving every handler's queue, running <see cref="ApiMode.EmbeddedWorkers"/> tasks at once.
/// </summary>
public static class EmbeddedWorkers
{
    /// <summary>
    /// Registers the domain handlers (always: submissions are checked against their payload rules) and,
    /// when <see cref="ApiMode.EmbeddedWorkers"/> is above 0, the processing loop with that concurrency
    /// and a worker id of <c>api-{host}-{pid}</c> unless <c>Queue:Worker:WorkerId</c> names one.
    /// </summary>
    /// <exception cref="InvalidOperationException">The configured risk lexicon cannot be loaded (the message says why).</exception>
    public static void Add(IServiceCollection services, ConfigurationManager configuration, ApiMode mode)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(mode);
        try
        {
            WorkerHandlers.Add(services, configuration);
        }
        catch (Exception ex) when (ex is RiskLexiconException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot load the risk lexicon ({WorkerHandlers.RiskLexiconPathKey}): {ex.Message}", ex);
        }
        if (mode.EmbeddedWorkers == 0) return;

        var overrides = new Dictionary<string, string?>
        {
            [$"{WorkerOptions.Section}:{nameof(WorkerOptions.Concurrency)}"] = mode.EmbeddedWorkers.ToString(CultureInfo.InvariantCulture),
        };
        if (string.IsNullOrWhiteSpace(configuration[$"{WorkerOptions.Section}:{nameof(WorkerOptions.WorkerId)}"]))
            overrides[$"{WorkerOptions.Section}:{nameof(WorkerOptions.WorkerId)}"] = $"api-{WorkerOptions.DefaultWorkerId()}";
        configuration.AddInMemoryCollection(overrides);
        services.AddQueueWorker(configuration);
    }
}
