using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace QueueWorker.Handlers.RiskDetection;

/// <summary>
/// The categories of risky language and their weighted entries, validated at load so a bad lexicon
/// stops the worker at start-up with the category and entry named, not on the first task.
/// </summary>
/// <remarks>
/// Format: <c>{ "categories": [ { "name": "fraud", "entries": [ { "phrase": "wire the money", "weight": 0.6 },
/// { "regex": "\\bgift\\s+cards?\\b", "weight": 0.4 } ] } ] }</c>. Comments and trailing commas are allowed;
/// unknown fields are not.
/// </remarks>
public sealed class RiskLexicon
{
    /// <summary>The manifest name of the shipped lexicon (<c>default-lexicon.json</c>, embedded by <c>QueueWorker.csproj</c>).</summary>
    public const string DefaultResourceName = "QueueWorker.default-lexicon.json";

    /// <summary>How long one regex entry may run on one text before the match is abandoned.</summary>
    public static readonly TimeSpan RegexMatchTimeout = TimeSpan.FromMilliseconds(100);

    private const RegexOptions RegexFlags = RegexOptions.CultureInvariant | RegexOptions.IgnoreCase;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        // Last-one-wins on a repeated key would hide half of a hand-edited entry.
        AllowDuplicateProperties = false,
    };

    private RiskLexicon(IReadOnlyList<string> categories, IReadOnlyList<RiskEntry> entries)
    {
        Categories = categories;
        Entries = entries;
    }

    /// <summary>The category names, in file order.</summary>
    public IReadOnlyList<string> Categories { get; }

    /// <summary>Every entry of every category, in file order.</summary>
    public IReadOnlyList<RiskEntry> Entries { get; }

    /// <summary>Loads the lexicon shipped with the worker.</summary>
    /// <exception cref="InvalidOperationException">The resource is not embedded in the assembly.</exception>
    public static RiskLexicon LoadDefault()
    {
        using var stream = typeof(RiskLexicon).Assembly.GetManifestResourceStream(DefaultResourceName)
            ?? throw new InvalidOperationException(
                $"The default risk lexicon '{DefaultResourceName}' is not embedded: QueueWorker.csproj needs " +
                $"<EmbeddedResource Include=\"Handlers/RiskDetection/default-lexicon.json\" LogicalName=\"{DefaultResourceName}\" />.");
        return Load(stream);
    }

    /// <summary>Reads and validates a lexicon from UTF-8 JSON.</summary>
    /// <exception cref="RiskLexiconException">The JSON is malformed or an entry breaks a rule; the message names it.</exception>
    public static RiskLexicon Load(Stream utf8Json)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        RiskLexiconJson? document;
        try
        {
            document = JsonSerializer.Deserialize<RiskLexiconJson>(utf8Json, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new RiskLexiconException($"Risk lexicon is not valid JSON of the expected shape: {ex.Message}", ex);
        }
        return Build(document);
    }

    /// <summary>Reads and validates a lexicon from JSON text.</summary>
    /// <exception cref="RiskLexiconException">The JSON is malformed or an entry breaks a rule; the message names it.</exception>
    public static RiskLexicon Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json));
        return Load(stream);
    }

    private static RiskLexicon Build(RiskLexiconJson? document)
    {
        if (document?.Categories is not { Count: > 0 } categories)
        {
            throw new RiskLexiconException("Risk lexicon has no categories.");
        }
        var names = new List<string>();
        var entries = new List<RiskEntry>();
        // Keyed by the normalized phrase (or the regex text), so "Wire the money!" and "wire the money"
        // collide: two entries that always match together would double-count one piece of evidence.
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var c = 0; c < categories.Count; c++)
        {
            var category = categories[c];
            var name = category?.Name?.Trim();
            if (string.IsNullOrEmpty(name))
            {
                throw new RiskLexiconException($"Risk lexicon category {c + 1} has no name.");
            }
            if (names.Contains(name, StringComparer.Ordinal))
            {
                throw new RiskLexiconException($"Risk lexicon category '{name}' appears more than once.");
            }
            if (category!.Entries is not { Count: > 0 } categoryEntries)
            {
                throw new RiskLexiconException($"Risk lexicon category '{name}' has no entries.");
            }
            names.Add(name);
            for (var e = 0; e < categoryEntries.Count; e++)
            {
                entries.Add(BuildEntry(name, e + 1, categoryEntries[e], seen));
            }
        }
        return new RiskLexicon(names, entries);
    }

    private static RiskEntry BuildEntry(string category, int number, RiskEntryJson? entry, Dictionary<string, string> seen)
    {
        var where = $"Risk lexicon category '{category}', entry {number}";
        if (entry is null)
        {
            throw new RiskLexiconException($"{where} is null.");
        }
        var hasPhrase = entry.Phrase is not null;
        var hasRegex = entry.Regex is not null;
        if (hasPhrase == hasRegex)
        {
            throw new RiskLexiconException($"{where} must have exactly one of \"phrase\" or \"regex\".");
        }
        var pattern = (hasPhrase ? entry.Phrase : entry.Regex)!;
        where += hasPhrase ? $" (phrase \"{pattern}\")" : $" (regex \"{pattern}\")";
        if (entry.Weight is not { } weight)
        {
            throw new RiskLexiconException($"{where} has no weight.");
        }
        if (!(weight > 0 && weight <= 1))
        {
            throw new RiskLexiconException($"{where} has weight {weight.ToString(CultureInfo.InvariantCulture)} outside (0, 1].");
        }

        string[]? words = null;
        Regex? regex = null;
        string key;
        if (hasPhrase)
        {
            words = TextWords.Split(pattern).Select(w => w.Value).ToArray();
            if (words.Length == 0)
            {
                throw new RiskLexiconException($"{where} has no words.");
            }
            key = "phrase:" + string.Join(' ', words);
        }
        else
        {
            try
            {
                regex = new Regex(pattern, RegexFlags, RegexMatchTimeout);
            }
            catch (ArgumentException ex)
            {
                throw new RiskLexiconException($"{where} is not a valid regular expression: {ex.Message}", ex);
            }
            if (regex.IsMatch(string.Empty))
            {
                throw new RiskLexiconException($"{where} matches empty text, so it would match everywhere.");
            }
            key = "regex:" + pattern;
        }
        if (seen.TryGetValue(key, out var first))
        {
            throw new RiskLexiconException($"{where} duplicates {first}.");
        }
        seen.Add(key, where);
        return new RiskEntry(category, pattern, weight, words, regex);
    }
}
