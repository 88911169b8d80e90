using System.Text.Json;
using QueueClient;

namespace QueueCtl.Cli;

/// <summary>
/// <c>--json</c> output: the API's JSON (camelCase, nulls kept), written straight to the console's writer so that no
/// line is wrapped or styled on its way out.
/// </summary>
internal static class JsonOutput
{
    private static readonly JsonSerializerOptions Indented = new(QueueJson.Options) { WriteIndented = true };

    /// <summary>Writes <paramref name="value"/> indented, for a person or <c>jq</c>.</summary>
    public static Task WriteAsync<T>(CliEnvironment environment, T value) =>
        environment.Out.Profile.Out.Writer.WriteLineAsync(JsonSerializer.Serialize(value, Indented));

    /// <summary>Writes <paramref name="value"/> on one line (<c>watch --json</c>: one line per refresh) and flushes it.</summary>
    public static async Task WriteLineAsync<T>(CliEnvironment environment, T value)
    {
        var writer = environment.Out.Profile.Out.Writer;
        await writer.WriteLineAsync(JsonSerializer.Serialize(value, QueueJson.Options));
        await writer.FlushAsync();
    }
}
