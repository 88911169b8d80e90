using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using QueueService.Hosting;
using QueueWorker.Handlers.Transcription.Audio;
using QueueWorker.Handlers.Transcription.Engines;

namespace QueueWorker.Handlers.Transcription;

/// <summary>Registers the transcription handler and what it needs.</summary>
public static class TranscriptionServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="TranscriptionHandler"/>, <see cref="TranscriptionOptions"/> from <c>Queue:Transcription</c>
    /// (validated at start: an unknown engine stops the host naming the key), the configured
    /// <see cref="ITranscriptionEngine"/> (a singleton, also for health checks), the <see cref="AudioPreparer"/>,
    /// and <see cref="TranscriptionStartupCheck"/>, which warns once at start when the engine or sox is missing.
    /// Needs an <see cref="QueueService.Stores.IQueueStore"/> (for chaining) and logging.
    /// </summary>
    public static IServiceCollection AddTranscription(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TranscriptionOptions>()
            .Bind(configuration.GetSection(TranscriptionOptions.Section))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TranscriptionOptions>, TranscriptionOptionsValidator>());
        services.TryAddSingleton(sp => TranscriptionEngines.Create(sp.GetRequiredService<IOptions<TranscriptionOptions>>().Value));
        services.TryAddSingleton(sp => new AudioPreparer(sp.GetRequiredService<IOptions<TranscriptionOptions>>().Value.SoxExecutable));
        services.AddTaskHandler<TranscriptionHandler>();
        services.AddHostedService<TranscriptionStartupCheck>();
        return services;
    }
}
