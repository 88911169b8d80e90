using System.Text.RegularExpressions;

namespace Deployment.Tests;

/// <summary>One Dockerfile instruction: the keyword (upper case) and its arguments, continuations joined.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments);

/// <summary>A minimal Dockerfile reader (runs of whitespace collapse to one space): enough to check the shape, not a full parser.</summary>
internal static class Dockerfile
{
    public static IReadOnlyList<DockerInstruction> Parse(string text)
    {
        var instructions = new List<DockerInstruction>();
        var current = "";
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            if (line.StartsWith('#') || (line.Length == 0 && current.Length == 0)) continue;
            var continues = line.EndsWith('\\');
            current += " " + (continues ? line[..^1] : line);
            if (continues) continue;
            Add(instructions, current);
            current = "";
        }
        Add(instructions, current);
        return instructions;
    }

    public static IReadOnlyList<DockerInstruction> Load(string relative) => Parse(RepoFiles.Read(relative));

    private static void Add(List<DockerInstruction> instructions, string text)
    {
        text = Regex.Replace(text, @"\s+", " ").Trim();
        if (text.Length == 0) return;
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        instructions.Add(space < 0
            ? new DockerInstruction(text.ToUpperInvariant(), "")
            : new DockerInstruction(text[..space].ToUpperInvariant(), text[(space + 1)..].Trim()));
    }
}
