using System.Globalization;

namespace QueueWorker.Handlers.RiskDetection;

/// <summary>A word of a text: its lower-case form and where it sits in the original (End exclusive).</summary>
internal readonly record struct TextWord(string Value, int Start, int End);

/// <summary>
/// Splits text into words: runs of letters, digits and combining marks. Everything else (punctuation,
/// whitespace of any kind) only separates words, which is what makes phrase matching insensitive to
/// punctuation and whitespace, and whole-word by construction ("kill" is never a word of "skill").
/// </summary>
internal static class TextWords
{
    public static List<TextWord> Split(string text)
    {
        var words = new List<TextWord>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var isWordChar = i < text.Length && IsWordChar(text[i]);
            if (isWordChar && start < 0)
            {
                start = i;
            }
            else if (!isWordChar && start >= 0)
            {
                words.Add(new TextWord(text[start..i].ToLowerInvariant(), start, i));
                start = -1;
            }
        }
        return words;
    }

    private static bool IsWordChar(char c) =>
        char.IsLetterOrDigit(c) || char.IsSurrogate(c)
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;
}
