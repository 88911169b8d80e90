namespace QueueWorker.Handlers.RiskDetection;

// The lexicon file's shape, as read. Unknown fields are refused (UnmappedMemberHandling.Disallow)
// so a typo such as "wieght" fails at load instead of silently dropping an entry's weight.
internal sealed record RiskLexiconJson(IReadOnlyList<RiskCategoryJson>? Categories);

internal sealed record RiskCategoryJson(string? Name, IReadOnlyList<RiskEntryJson>? Entries);

internal sealed record RiskEntryJson(string? Phrase, string? Regex, double? Weight);
