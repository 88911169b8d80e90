using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QueueWorker.Handlers.Transcription.Audio;
using QueueWorker.Handlers.Transcription.Engines;

namespace QueueWorker.Handlers.Transcription;

/// <summary>
/// Says once, when the host starts, what transcription is missing on this machine: the engine (its program or
/// model) or sox. A warning, not a refusal: the host may serve other queues, and until it is fixed each
/// transcription task fails with the same message.
/// </summary>
public sealed class TranscriptionStartupCheck : IHostedService
{
    private readonly ITranscriptionEngine _engine;
    private readonly AudioPreparer _audio;
    private readonly ILogger<TranscriptionStartupCheck> _logger;

    /// <summary>Creates the check.</summary>
    public TranscriptionStartupCheck(ITranscriptionEngine engine, AudioPreparer audio, ILogger<TranscriptionStartupCheck> logger)
    {
        _engine = engine;
        _audio = audio;
        _logger = logger;
    }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var engine = _engine.CheckReadiness();
        if (!engine.IsUsable)
            _logger.LogWarning("Transcription engine {Engine} is not usable; transcription tasks will fail until this is fixed: {Problem}",
                _engine.Name, engine.Problem);
        var sox = _audio.CheckSox();
        if (!sox.IsUsable)
            _logger.LogWarning("Transcription of audio that needs converting will fail: {Problem}", sox.Problem);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
