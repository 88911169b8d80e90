using System.Globalization;

namespace SystemTests.Support;

/// <summary>One line the chaos recogniser appended: a handler execution starting or ending.</summary>
/// <param name="IsEnd">False for <c>start</c>, true for <c>end</c>.</param>
/// <param name="Name">The task's name (<see cref="ChaosTask.Name"/>).</param>
/// <param name="WorkerPid">The worker process that ran it.</param>
/// <param name="Index">0-based line number in the file: the order of the appends.</param>
internal sealed record SideLine(bool IsEnd, string Name, int WorkerPid, int Index)
{
    /// <inheritdoc/>
    public override string ToString() => $"{(IsEnd ? "end" : "start")} {Name} {WorkerPid}";
}

/// <summary>Reads the chaos recogniser's side file (<see cref="ChaosWorkload.SideFile"/>).</summary>
internal static class SideFile
{
    /// <summary>
    /// Every complete line, in file order (a line still being written, without its newline, is left for the next
    /// read). A line that is not <c>start|end NAME PID</c> fails the test: the recogniser's appends are single
    /// small writes, so a mixed line means the counting itself is broken.
    /// </summary>
    public static IReadOnlyList<SideLine> Read(string path)
    {
        string text;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var reader = new StreamReader(stream))
            text = reader.ReadToEnd();
        var rows = text.Split('\n');
        var lines = new List<SideLine>(rows.Length);
        // The last row is empty when the file ends with a newline, and a line in progress otherwise.
        for (var index = 0; index < rows.Length - 1; index++)
        {
            var parts = rows[index].Split(' ');
            if (parts is not [("start" or "end") and var kind, { Length: ChaosWorkload.NameLength } name, var pidText]
                || !int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                throw new Xunit.Sdk.XunitException($"Side file {path}, line {index + 1}, is not 'start|end NAME PID': '{rows[index]}'");
            lines.Add(new SideLine(kind == "end", name, pid, index));
        }
        return lines;
    }

    /// <summary>Executions a worker has started and not ended (running now, or cut short by a kill or a cancel).</summary>
    public static int Unfinished(IEnumerable<SideLine> lines, int workerPid) =>
        lines.Where(l => l.WorkerPid == workerPid).GroupBy(l => l.Name).Sum(g => Math.Max(0, g.Count(l => !l.IsEnd) - g.Count(l => l.IsEnd)));
}
