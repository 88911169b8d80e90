namespace QueueWorker.Handlers.Transcription.Engines;

/// <summary>Whether a transcription engine can run on this machine and, when not, what to do about it.</summary>
/// <param name="IsUsable">True when its program and model files are in place.</param>
/// <param name="Problem">When not usable: what is missing and exactly what to install or configure.</param>
public sealed record EngineReadiness(bool IsUsable, string? Problem)
{
    /// <summary>Usable.</summary>
    public static EngineReadiness Usable { get; } = new(true, null);

    /// <summary>Not usable, for the reason given.</summary>
    public static EngineReadiness Unusable(string problem) => new(false, problem);
}
