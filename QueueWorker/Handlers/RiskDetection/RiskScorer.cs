namespace QueueWorker.Handlers.RiskDetection;

/// <summary>
/// Scores text against a <see cref="RiskLexicon"/>. Thread-safe: one instance serves every task.
/// </summary>
public sealed class RiskScorer
{
    private readonly RiskLexicon _lexicon;
    // Phrases indexed by their first word, so a text is read once however many phrases there are.
    private readonly Dictionary<string, List<RiskEntry>> _phrasesByFirstWord = new(StringComparer.Ordinal);
    private readonly List<RiskEntry> _regexes = [];

    /// <summary>Creates a scorer over a validated lexicon.</summary>
    public RiskScorer(RiskLexicon lexicon)
    {
        ArgumentNullException.ThrowIfNull(lexicon);
        _lexicon = lexicon;
        foreach (var entry in lexicon.Entries)
        {
            if (entry.IsRegex)
            {
                _regexes.Add(entry);
                continue;
            }
            var first = entry.PhraseWords![0];
            if (!_phrasesByFirstWord.TryGetValue(first, out var list))
            {
                _phrasesByFirstWord[first] = list = [];
            }
            list.Add(entry);
        }
    }

    /// <summary>The lexicon this scorer uses.</summary>
    public RiskLexicon Lexicon => _lexicon;

    /// <summary>
    /// Finds every lexicon entry in <paramref name="text"/> and combines their weights:
    /// score = 1 − Π(1 − weight) over the distinct entries matched, so each further entry raises the
    /// score and it never passes 1; repeating one entry adds no weight (it is one piece of evidence).
    /// </summary>
    /// <exception cref="System.Text.RegularExpressions.RegexMatchTimeoutException">
    /// A regex entry ran past <see cref="RiskLexicon.RegexMatchTimeout"/>. Left to the caller: for a task
    /// this is an ordinary, retryable failure, since a busy machine rather than the text may be the cause.
    /// </exception>
    public RiskResult Score(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var matches = new List<RiskMatch>();
        FindPhrases(text, matches);
        foreach (var entry in _regexes)
        {
            for (var m = entry.Regex!.Match(text); m.Success; m = m.NextMatch())
            {
                matches.Add(new RiskMatch(entry.Category, entry.Pattern, m.Index, m.Index + m.Length, entry.Weight));
            }
        }
        matches.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.End.CompareTo(b.End));

        var remaining = 1.0;
        foreach (var match in matches.DistinctBy(m => (m.Category, m.Phrase)))
        {
            remaining *= 1 - match.Weight;
        }
        var score = Math.Clamp(1 - remaining, 0, 1);
        return new RiskResult(score, matches.Count == 0 ? RiskLevels.None : RiskLevels.For(score), matches);
    }

    private void FindPhrases(string text, List<RiskMatch> matches)
    {
        var words = TextWords.Split(text);
        for (var i = 0; i < words.Count; i++)
        {
            if (!_phrasesByFirstWord.TryGetValue(words[i].Value, out var candidates))
            {
                continue;
            }
            foreach (var entry in candidates)
            {
                var phrase = entry.PhraseWords!;
                if (i + phrase.Count > words.Count || !Matches(words, i, phrase))
                {
                    continue;
                }
                matches.Add(new RiskMatch(entry.Category, entry.Pattern, words[i].Start, words[i + phrase.Count - 1].End, entry.Weight));
            }
        }
    }

    private static bool Matches(List<TextWord> words, int at, IReadOnlyList<string> phrase)
    {
        for (var k = 1; k < phrase.Count; k++)
        {
            if (!string.Equals(words[at + k].Value, phrase[k], StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }
}
