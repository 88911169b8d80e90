using Spectre.Console;

namespace QueueCtl;

/// <summary>
/// What a command runs against: where its output and errors go, and how environment variables are read.
/// The process uses <see cref="System"/>; tests pass a recording console and their own variables.
/// </summary>
/// <param name="Out">Tables, views and <c>--json</c> output.</param>
/// <param name="Error">Error messages (one line each, prefixed <c>queuectl:</c>).</param>
/// <param name="GetVariable">Reads an environment variable; null when unset.</param>
public sealed record CliEnvironment(IAnsiConsole Out, TextWriter Error, Func<string, string?> GetVariable)
{
    /// <summary>The real console and process environment.</summary>
    public static CliEnvironment System => new(AnsiConsole.Console, Console.Error, Environment.GetEnvironmentVariable);
}
