using System.Text.RegularExpressions;

namespace QueueWorker.Handlers.RiskDetection;

/// <summary>
/// One validated lexicon entry: a phrase (matched word by word, ignoring case, punctuation and
/// whitespace) or a regular expression (matched as written against the original text, ignoring case).
/// </summary>
public sealed class RiskEntry
{
    internal RiskEntry(string category, string pattern, double weight, IReadOnlyList<string>? phraseWords, Regex? regex)
    {
        Category = category;
        Pattern = pattern;
        Weight = weight;
        PhraseWords = phraseWords;
        Regex = regex;
    }

    /// <summary>The category it belongs to (<c>fraud</c>, <c>threats</c>, …).</summary>
    public string Category { get; }
    /// <summary>The phrase or the regular expression, as written in the lexicon.</summary>
    public string Pattern { get; }
    /// <summary>How much one match of this entry weighs, in (0, 1].</summary>
    public double Weight { get; }
    /// <summary>True for a regular-expression entry, false for a phrase.</summary>
    public bool IsRegex => Regex is not null;

    // The phrase as lower-case words; null for a regex entry.
    internal IReadOnlyList<string>? PhraseWords { get; }
    internal Regex? Regex { get; }
}
