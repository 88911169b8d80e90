namespace QueueWorker.Handlers.RiskDetection;

/// <summary>What the risk scorer found in one text (the risk-detection task's result).</summary>
/// <param name="RiskScore">0–1: 1 − Π(1 − weight) over the distinct entries matched; 0 when nothing matched.</param>
/// <param name="Level"><c>none</c> (below 0.01), <c>low</c> (below 0.4), <c>medium</c> (below 0.75) or <c>high</c>.</param>
/// <param name="Matches">Every occurrence found, ordered by position.</param>
public sealed record RiskResult(double RiskScore, string Level, IReadOnlyList<RiskMatch> Matches);

/// <summary>One occurrence of a lexicon entry in the text.</summary>
/// <param name="Category">The entry's category.</param>
/// <param name="Phrase">The entry's phrase or regex, as written in the lexicon.</param>
/// <param name="Start">Offset of the first matched character in the original text.</param>
/// <param name="End">Offset just past the last matched character in the original text (exclusive).</param>
/// <param name="Weight">The entry's weight.</param>
public sealed record RiskMatch(string Category, string Phrase, int Start, int End, double Weight);
