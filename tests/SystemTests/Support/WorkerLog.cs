using System.Globalization;
using System.Text.RegularExpressions;

namespace SystemTests.Support;

/// <summary>One handler execution as a worker logged it, just before it called the handler.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Queue">Its queue.</param>
/// <param name="WorkerId">The worker that ran it.</param>
/// <param name="Attempt">The attempt number the store gave the lease.</param>
internal sealed record TaskStart(string TaskId, string Queue, string WorkerId, int Attempt);

/// <summary>Reads facts out of a worker's console log (Serilog's console template, <c>QueueWorker/WorkerHost.cs</c>).</summary>
internal static partial class WorkerLog
{
    /// <summary>
    /// The per-attempt lines of <c>QueueWorkerService.Runner.cs</c> (Debug, so the tests turn that level on
    /// for the loop), in log order. The runner writes one right before it hands the task to the handler, on
    /// the only path that calls a handler: one line is one handler execution.
    /// </summary>
    public static IEnumerable<TaskStart> Starts(IEnumerable<string> lines) =>
        lines.Select(line => StartLine().Match(line)).Where(m => m.Success).Select(m => new TaskStart(
            m.Groups["task"].Value, m.Groups["queue"].Value, m.Groups["worker"].Value,
            int.Parse(m.Groups["attempt"].Value, CultureInfo.InvariantCulture)));

    /// <summary>How many lines contain <paramref name="text"/>.</summary>
    public static int Count(IEnumerable<string> lines, string text) => lines.Count(line => line.Contains(text, StringComparison.Ordinal));

    [GeneratedRegex(@"Task (?<task>\S+) of queue (?<queue>\S+) started on worker (?<worker>\S+) \(attempt (?<attempt>\d+)\)")]
    private static partial Regex StartLine();
}
