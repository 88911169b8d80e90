namespace QueueWorker.Handlers.RiskDetection;

/// <summary>A risk lexicon that cannot be used; the message names the category and entry at fault.</summary>
public sealed class RiskLexiconException : Exception
{
    /// <summary>Creates the error.</summary>
    public RiskLexiconException(string message, Exception? inner = null) : base(message, inner) { }
}
