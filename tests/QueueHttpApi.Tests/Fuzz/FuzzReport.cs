using System.Globalization;
using System.Text;

namespace QueueHttpApi.Tests.Fuzz;

/// <summary>What a fuzz session did and found.</summary>
/// <param name="Seed">The seed.</param>
/// <param name="Steps">Requests made (one connection's pipeline counts once).</param>
/// <param name="Fuzzing">Time spent on the requests.</param>
/// <param name="Total">Time with the final checks.</param>
/// <param name="Transports">Steps per transport (<c>http</c>, <c>raw</c>, <c>websocket</c>).</param>
/// <param name="Statuses">Answers per status.</param>
/// <param name="Accepted">Tasks that got a 202.</param>
/// <param name="Purged">Tasks the admin purge deleted.</param>
/// <param name="ClosedWithoutAnswer">Malformed requests Kestrel closed without a response, per family.</param>
/// <param name="Failures">Every problem found, with the request and the answer.</param>
/// <param name="ServerErrors">The server's error log lines (for diagnosis; not failures by themselves).</param>
internal sealed record FuzzReport(int Seed, int Steps, TimeSpan Fuzzing, TimeSpan Total, IReadOnlyDictionary<string, int> Transports,
    IReadOnlyDictionary<int, int> Statuses, int Accepted, long Purged, IReadOnlyDictionary<string, int> ClosedWithoutAnswer,
    IReadOnlyList<string> Failures, IReadOnlyList<string> ServerErrors)
{
    private const int FailuresShown = 12;

    /// <summary>A summary for the test output.</summary>
    public string Summary(string replay)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Fuzz seed {Seed} ({replay}): {Steps} steps in {Fuzzing.TotalSeconds:0.0} s, {Total.TotalSeconds:0.0} s with the final checks.");
        text.AppendLine(CultureInfo.InvariantCulture, $"  transports: {string.Join(", ", Transports.Select(t => $"{t.Key} {t.Value}"))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  statuses: {string.Join(", ", Statuses.Select(s => $"{s.Key}×{s.Value}"))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  tasks accepted (202): {Accepted}, purged by the admin endpoint: {Purged}");
        if (ClosedWithoutAnswer.Count > 0)
            text.AppendLine(CultureInfo.InvariantCulture, $"  malformed requests closed without an answer: {string.Join(", ", ClosedWithoutAnswer.Select(c => $"{c.Key} {c.Value}"))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  server error log lines: {ServerErrors.Count}");
        foreach (var line in ServerErrors.Take(5)) text.AppendLine("    " + line);
        text.AppendLine(CultureInfo.InvariantCulture, $"  problems: {Failures.Count}");
        return text.ToString();
    }

    /// <summary>The failure message: the seed, how to replay it, and the first problems with their requests.</summary>
    public string FailureMessage(string replay)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Fuzzing with seed {Seed} found {Failures.Count} problem(s). Replay: {replay}");
        foreach (var failure in Failures.Take(FailuresShown)) text.Append("- seed ").Append(Seed.ToString(CultureInfo.InvariantCulture)).Append(", ").AppendLine(failure);
        if (Failures.Count > FailuresShown) text.AppendLine(CultureInfo.InvariantCulture, $"… and {Failures.Count - FailuresShown} more.");
        if (ServerErrors.Count > 0) text.AppendLine("Server error log:").AppendLine(string.Join(Environment.NewLine, ServerErrors.Take(10)));
        return text.ToString();
    }
}
