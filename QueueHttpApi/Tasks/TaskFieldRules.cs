using System.Globalization;
using QueueService.Tasks;
using QueueWorker.Handlers.RiskDetection;
using QueueWorker.Handlers.Transcription;

namespace QueueHttpApi.Tasks;

/// <summary>
/// The rules of the submission fields, checked at the door so a bad value is a 400 naming its field
/// rather than a task that fails later. The store checks priority and retries again on enqueue.
/// </summary>
internal static class TaskFieldRules
{
    /// <summary>Most metadata entries one task may carry.</summary>
    public const int MaxMetadataEntries = 32;
    /// <summary>Longest metadata key, in characters.</summary>
    public const int MaxMetadataKeyLength = 64;
    /// <summary>Longest metadata value, in characters.</summary>
    public const int MaxMetadataValueLength = 1024;

    /// <summary>The priority, default <see cref="QueueService.Tasks.Priority.Default"/>.</summary>
    /// <exception cref="TaskProblemException">400 naming <c>priority</c> outside 0–100.</exception>
    public static int Priority(int? value)
    {
        var priority = value ?? QueueService.Tasks.Priority.Default;
        if (!QueueService.Tasks.Priority.IsValid(priority))
            throw TaskProblemException.Invalid("priority",
                $"'priority' must be between {QueueService.Tasks.Priority.Min} and {QueueService.Tasks.Priority.Max}; got {priority}.");
        return priority;
    }

    /// <summary>The retries after the first attempt, default <see cref="TaskLimits.DefaultMaxRetries"/>.</summary>
    /// <exception cref="TaskProblemException">400 naming <c>maxRetries</c> outside 0–100.</exception>
    public static int MaxRetries(int? value)
    {
        var retries = value ?? TaskLimits.DefaultMaxRetries;
        if (retries is < 0 or > TaskLimits.MaxMaxRetries)
            throw TaskProblemException.Invalid("maxRetries", $"'maxRetries' must be between 0 and {TaskLimits.MaxMaxRetries}; got {retries}.");
        return retries;
    }

    /// <summary>A whole number sent as form text (<c>priority=5</c>).</summary>
    /// <exception cref="TaskProblemException">400 naming <paramref name="field"/> when it is not one.</exception>
    public static int ParseInt(string field, string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw TaskProblemException.Invalid(field, $"'{field}' must be a whole number; got '{Shorten(text)}'.");

    /// <summary>The spoken language when given: a code such as <c>en-us</c> (whether the engine supports it is the worker's check).</summary>
    /// <exception cref="TaskProblemException">400 naming <c>language</c>.</exception>
    public static string? Language(string? value)
    {
        if (value is null || LanguageCode.IsWellFormed(value)) return value;
        throw TaskProblemException.Invalid("language", $"'language' must be a language code such as en-us or auto; got '{Shorten(value)}'.");
    }

    /// <summary>What to chain after a transcription: nothing, or <c>risk-detection</c>.</summary>
    /// <exception cref="TaskProblemException">400 naming <c>then</c>.</exception>
    public static string? Then(string? value)
    {
        if (value is null || string.Equals(value, RiskDetectionHandler.QueueName, StringComparison.Ordinal)) return value;
        throw TaskProblemException.Invalid("then", $"'then' may only be '{RiskDetectionHandler.QueueName}' (or left out); got '{Shorten(value)}'.");
    }

    /// <summary>Bounds the metadata map.</summary>
    /// <exception cref="TaskProblemException">400 naming <c>metadata</c> (the message names the entry).</exception>
    public static IReadOnlyDictionary<string, string>? Metadata(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null) return null;
        if (metadata.Count > MaxMetadataEntries)
            throw TaskProblemException.Invalid("metadata", $"'metadata' may have at most {MaxMetadataEntries} entries; got {metadata.Count}.");
        foreach (var (key, value) in metadata)
        {
            if (key.Length is 0 or > MaxMetadataKeyLength)
                throw TaskProblemException.Invalid("metadata", $"'metadata' keys must be 1-{MaxMetadataKeyLength} characters; '{Shorten(key)}' has {key.Length}.");
            if (value.Length > MaxMetadataValueLength)
                throw TaskProblemException.Invalid("metadata", $"'metadata' values must be at most {MaxMetadataValueLength} characters; the value of '{key}' has {value.Length}.");
        }
        return metadata;
    }

    /// <summary>A value cut for an error message.</summary>
    public static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
