using System.Text.RegularExpressions;

namespace QueueWorker.Handlers.Transcription;

/// <summary>What a language code may look like before it reaches a recogniser's command line.</summary>
public static partial class LanguageCode
{
    /// <summary>
    /// True for a BCP 47-like code (<c>en</c>, <c>en-us</c>, <c>pt-BR</c>, <c>zh-Hans-CN</c>) or <c>auto</c>.
    /// Anything else is refused: a value starting with <c>-</c> would reach the recogniser as an option.
    /// </summary>
    public static bool IsWellFormed(string? code) => code is not null && Pattern().IsMatch(code);

    [GeneratedRegex("^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,3}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
