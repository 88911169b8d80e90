namespace QueueWorker.Handlers.RiskDetection;

/// <summary>The names of the risk levels and the score bands that map to them.</summary>
public static class RiskLevels
{
    /// <summary>No match, or a score below 0.01.</summary>
    public const string None = "none";
    /// <summary>A score in [0.01, 0.4).</summary>
    public const string Low = "low";
    /// <summary>A score in [0.4, 0.75).</summary>
    public const string Medium = "medium";
    /// <summary>A score of 0.75 or more.</summary>
    public const string High = "high";

    /// <summary>The level of a score.</summary>
    public static string For(double score) => score switch
    {
        < 0.01 => None,
        < 0.4 => Low,
        < 0.75 => Medium,
        _ => High,
    };
}
