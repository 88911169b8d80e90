using System.Text.RegularExpressions;

namespace QueueWorker.Tests.Handlers.Transcription;

/// <summary>Word error rate: word-level Levenshtein distance over lower-cased words without punctuation.</summary>
internal static partial class WordErrorRate
{
    /// <summary>Lower-cased words with punctuation removed (<c>"Don't!"</c> → <c>dont</c>).</summary>
    public static string[] Words(string text) =>
        NotWordOrSpace().Replace(text.ToLowerInvariant(), "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Substitutions + deletions + insertions turning the reference into the hypothesis.</summary>
    public static int Edits(string reference, string hypothesis)
    {
        var r = Words(reference);
        var h = Words(hypothesis);
        var previous = Enumerable.Range(0, h.Length + 1).ToArray();
        var current = new int[h.Length + 1];
        for (var i = 1; i <= r.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= h.Length; j++)
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + (r[i - 1] == h[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[h.Length];
    }

    [GeneratedRegex(@"[^\p{L}\p{N}\s]")]
    private static partial Regex NotWordOrSpace();
}
