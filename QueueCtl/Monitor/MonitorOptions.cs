using System.CommandLine;
using System.Globalization;

namespace QueueCtl.Monitor;

/// <summary>Options and validators the monitor commands share.</summary>
internal static class MonitorOptions
{
    /// <summary>A fresh <c>--json</c> option (one per command).</summary>
    public static Option<bool> Json() => new("--json")
    {
        Description = "Print the API's JSON (indented, camelCase) instead of a table, for scripts.",
    };

    /// <summary>The <c>&lt;id&gt;</c> argument of show, cancel and retry.</summary>
    public static Argument<string> TaskId() => new("id")
    {
        Description = "The task's id.",
    };

    /// <summary>
    /// An option holding a whole number from <paramref name="min"/> to <paramref name="max"/>; anything else (not a number,
    /// out of range) is a usage error in one line naming the option and the range.
    /// </summary>
    public static Option<int?> WholeNumber(string name, int min, int max, string range) => new(name)
    {
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max) return value;
            result.AddError($"{name} must be {range}; got '{text}'.");
            return null;
        },
    };

    /// <summary>
    /// An option holding a finite number from <paramref name="min"/> to <paramref name="max"/> (fractions allowed, '.' as
    /// the decimal point whatever the culture); anything else is a usage error in one line naming the option and the range.
    /// </summary>
    public static Option<double> Number(string name, double min, double max, string range) => new(name)
    {
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value >= min && value <= max)
                return value;
            result.AddError($"{name} must be {range}; got '{text}'.");
            return 0;
        },
    };

    /// <summary>Refuses a value that is not one of <paramref name="allowed"/> (ignoring case), in one line naming them.</summary>
    public static void OneOf(Option<string?> option, IReadOnlyList<string> allowed)
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count == 0) return;
            var value = result.Tokens[^1].Value;
            if (!allowed.Contains(value, StringComparer.OrdinalIgnoreCase))
                result.AddError($"{option.Name} must be one of {string.Join(", ", allowed)}; got '{value}'.");
        });
    }
}
