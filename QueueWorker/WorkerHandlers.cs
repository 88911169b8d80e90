using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using QueueService.Hosting;
using QueueWorker.Handlers.RiskDetection;
using QueueWorker.Handlers.Transcription;

namespace QueueWorker;

/// <summary>The handlers this worker runs; the HTTP API's embedded mode registers the same ones.</summary>
public static class WorkerHandlers
{
    /// <summary>Configuration key of a risk lexicon file to use instead of the shipped one.</summary>
    public const string RiskLexiconPathKey = "Queue:RiskDetection:LexiconPath";

    /// <summary>
    /// Registers every domain handler. The risk lexicon is loaded and validated here, so a bad one
    /// stops the host at start with a message naming the entry, not the first task that needs it.
    /// Transcription options (<c>Queue:Transcription</c>) are validated when the host starts
    /// (<see cref="Microsoft.Extensions.Options.OptionsValidationException"/>); a missing recogniser is only
    /// a warning then (<see cref="TranscriptionStartupCheck"/>).
    /// </summary>
    /// <exception cref="RiskLexiconException">The configured lexicon is invalid.</exception>
    /// <exception cref="IOException">The configured lexicon file cannot be read.</exception>
    public static IServiceCollection Add(IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var lexiconPath = configuration[RiskLexiconPathKey];
        RiskLexicon lexicon;
        if (string.IsNullOrWhiteSpace(lexiconPath))
        {
            lexicon = RiskLexicon.LoadDefault();
        }
        else
        {
            using var file = File.OpenRead(lexiconPath);
            lexicon = RiskLexicon.Load(file);
        }
        services.AddSingleton(new RiskScorer(lexicon));
        services.AddTaskHandler<RiskDetectionHandler>();
        services.AddTranscription(configuration);
        return services;
    }
}
