using Microsoft.Extensions.Diagnostics.HealthChecks;
using QueueWorker.Handlers.Transcription.Audio;
using QueueWorker.Handlers.Transcription.Engines;

namespace QueueHttpApi.Monitoring.Health;

/// <summary>
/// <c>transcription</c>, registered when this process runs embedded workers: Degraded with exactly what to
/// install or configure when the recogniser (<see cref="ITranscriptionEngine.CheckReadiness"/>) or sox is missing,
/// since each transcription task would then fail; Healthy when both are in place. File checks only: cheap.
/// </summary>
public sealed class TranscriptionHealthCheck(ITranscriptionEngine engine, AudioPreparer audio) : IHealthCheck
{
    /// <summary>The name in <c>/health</c>.</summary>
    public const string Name = "transcription";

    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["engine"] = engine.Name };
        var problems = new[] { engine.CheckReadiness(), audio.CheckSox() }.Where(r => !r.IsUsable).Select(r => r.Problem!).ToArray();
        if (problems.Length > 0)
        {
            data["problems"] = problems;
            return Task.FromResult(HealthCheckResult.Degraded(
                $"Transcription tasks will fail until this is fixed: {string.Join(" ", problems)}", data: data));
        }
        return Task.FromResult(HealthCheckResult.Healthy($"The {engine.Name} engine and sox are installed.", data));
    }
}
