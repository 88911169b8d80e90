using System.Globalization;
using System.Text;
using System.Text.Json;
using QueueService.Snapshots;

namespace SystemTests.Support;

/// <summary>The totals of <c>GET /stats</c> the chaos scenario watches.</summary>
internal sealed record ApiStats(string Store, long Queued, long Scheduled, long Processing, long Completed, long Failed, long Cancelled,
    long EnqueuedTotal, long CompletedTotal, long FailedTotal)
{
    /// <summary>Tasks not finished yet.</summary>
    public long Pending => Queued + Scheduled + Processing;

    /// <summary>Reads the answer of <c>GET /stats</c>.</summary>
    public static ApiStats Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var totals = root.GetProperty("totals");
        long Get(string name) => totals.GetProperty(name).GetInt64();
        return new ApiStats(root.GetProperty("store").GetString() ?? "", Get("queued"), Get("scheduled"), Get("processing"), Get("completed"),
            Get("failed"), Get("cancelled"), Get("enqueuedTotal"), Get("completedTotal"), Get("failedTotal"));
    }
}

/// <summary>The worker processes of the scenario, for attributing side-file lines.</summary>
/// <param name="Pids">Worker id by process id, every worker that ran.</param>
/// <param name="KilledPid">The process id of the worker the scenario killed.</param>
/// <param name="Concurrency">Tasks each worker runs at once.</param>
/// <param name="LinesBeforeKillEnded">Side-file lines written before the killed worker had exited: a line of its pid
/// from this index on came from a recogniser that outlived it (an orphan of the kill, its outcome never recorded).</param>
internal sealed record ChaosWorkers(IReadOnlyDictionary<int, string> Pids, int KilledPid, int Concurrency, int LinesBeforeKillEnded)
{
    /// <summary>
    /// Whether <paramref name="line"/> came from the killed worker's recogniser. A line names the recogniser shell's
    /// parent as it was when the shell started: a shell forked just before its worker was killed starts with init
    /// (or a subreaper) as its parent, a pid of no worker. Only the killed worker dies during the scenario (any other
    /// exit fails it), so such a line is that worker's, written after it died.
    /// </summary>
    public bool IsKilledWorkers(SideLine line) => line.WorkerPid == KilledPid || !Pids.ContainsKey(line.WorkerPid);

    /// <summary>Whether <paramref name="line"/> was written by the killed worker's recogniser after the worker died.</summary>
    public bool IsOrphan(SideLine line) =>
        (line.WorkerPid == KilledPid && line.Index >= LinesBeforeKillEnded) || !Pids.ContainsKey(line.WorkerPid);

    /// <summary>The worker's id, or the pid when no worker of the scenario had it.</summary>
    public string Name(int pid) => Pids.TryGetValue(pid, out var id) ? id
        : $"pid {pid} (no worker: a recogniser started after its worker, {Pids[KilledPid]}, was killed)";
}

/// <summary>
/// Checks the end state of the chaos scenario against its promise, task by task, and writes the report:
/// every task that got a 202 is completed and ran to its end exactly once, except for re-executions the
/// killed worker explains; nothing else ran; the final <c>/stats</c> adds up. Each breach is one precise line.
/// </summary>
internal sealed class ChaosVerdict
{
    private const int ListedPerProblem = 15;

    private readonly ChaosWorkload _workload;
    private readonly IReadOnlyList<Submission> _submissions;
    private readonly ChaosTimeline _timeline;
    private readonly ChaosWorkers _workers;
    private readonly Dictionary<string, List<SideLine>> _sideByName;
    private readonly List<string> _problems = [];

    /// <summary>Judges the run; read <see cref="Problems"/> and <see cref="Report"/>.</summary>
    public ChaosVerdict(ChaosWorkload workload, IReadOnlyList<Submission> submissions, IReadOnlyList<SnapshotTask> stored,
        IReadOnlyList<SideLine> side, ChaosWorkers workers, ApiStats? finalStats, string? settleProblem, ChaosTimeline timeline)
    {
        _workload = workload;
        _submissions = submissions;
        _timeline = timeline;
        _workers = workers;
        _sideByName = side.GroupBy(l => l.Name).ToDictionary(g => g.Key, g => g.ToList());
        if (settleProblem is not null) _problems.Add(settleProblem);
        Report = Judge(stored, side, finalStats);
    }

    /// <summary>Every breach of the promise found, each with the tasks, the phase and what the side file says.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>The counts table, the latencies, the phases and the events, to print whether or not the run passed.</summary>
    public string Report { get; }

    private string Judge(IReadOnlyList<SnapshotTask> stored, IReadOnlyList<SideLine> side, ApiStats? final)
    {
        var accepted = _submissions.Where(s => s.IsAccepted).ToArray();
        var acceptedIds = accepted.Select(s => s.TaskId!).ToHashSet(StringComparer.Ordinal);
        var storedById = stored.ToDictionary(t => t.Id, StringComparer.Ordinal);
        var storedByName = stored.GroupBy(t => NameOf(t) ?? "(no chaos name)").ToDictionary(g => g.Key, g => g.ToList());
        var unanswered = _submissions.Where(s => s.StatusCode is null).ToArray();
        var refused = _submissions.Where(s => s.StatusCode is not null && !s.IsAccepted).ToArray();
        var apiDown = _timeline.Find(ChaosPhases.ApiDown);

        // 1. Every 202: in the store, completed, ran to its end once (bar what the killed worker explains).
        var missing = new List<string>();
        var unfinished = new List<string>();
        var executionProblems = new List<string>();
        var reExecutedAfterCrash = new List<string>();
        var endedTwiceAfterCrash = new List<string>();
        var orphanEnds = new List<string>();
        foreach (var s in accepted)
        {
            if (!storedById.TryGetValue(s.TaskId!, out var task))
            {
                missing.Add($"{s.Task.Name} id {s.TaskId}: 202 at {_timeline.Describe(s.AnsweredAt)}; side file: {Lines(s.Task.Name)}");
                continue;
            }
            if (task.Status != "completed")
                unfinished.Add($"{s.Task.Name} id {task.Id}: {task.Status}, attempt {task.Attempts}, worker {task.WorkerId ?? "none"}, " +
                    $"last error {task.LastError ?? "none"}; 202 at {_timeline.Describe(s.AnsweredAt)}; side file: {Lines(s.Task.Name)}");
            CheckExecutions(s.Task, $"202 at {_timeline.Describe(s.AnsweredAt)}; {Attempts(task)}", executionProblems, reExecutedAfterCrash, endedTwiceAfterCrash, orphanEnds);
        }
        Add(missing, "accepted (202) but gone from the store");
        Add(unfinished, "accepted (202) but not completed");

        // 2. Submissions without a 202: an HTTP refusal is a breach; no answer is explained only by the API's kill.
        Add(refused.Select(s => $"{s.Task.Name}: HTTP {s.StatusCode} at {_timeline.Describe(s.AnsweredAt)}: {Trim(s.Error)}").ToList(),
            "refused by the API (a non-202 answer)");
        var landedUnanswered = new List<string>();
        foreach (var s in unanswered)
        {
            var explained = apiDown is not null && apiDown.Overlaps(s.SentAt, s.AnsweredAt);
            var landed = storedByName.TryGetValue(s.Task.Name, out var tasks) ? tasks : [];
            if (!explained)
                _problems.Add($"{s.Task.Name} got no answer at {_timeline.Describe(s.AnsweredAt)}, outside the API's kill and restart: {s.Error}");
            if (landed.Count > 0)
            {
                // Accepted, its answer lost with the killed API: it must then complete once like any other.
                landedUnanswered.Add(s.Task.Name);
                foreach (var t in landed.Where(t => t.Status != "completed"))
                    _problems.Add($"{s.Task.Name} (no answer, yet in the store as {t.Id}) is {t.Status}, not completed");
                CheckExecutions(s.Task, $"no answer; {string.Join("; ", landed.Select(Attempts))}", executionProblems, reExecutedAfterCrash, endedTwiceAfterCrash, orphanEnds);
            }
            else if (_sideByName.ContainsKey(s.Task.Name))
                _problems.Add($"{s.Task.Name} got no answer and is not in the store, yet ran: {Lines(s.Task.Name)}");
        }
        Add(executionProblems, "run other than exactly once (not explained by the killed worker)");

        // 3. Nothing else: no task in the store nor any execution that no submission explains.
        var answeredNames = accepted.Select(s => s.Task.Name).Concat(landedUnanswered).ToHashSet(StringComparer.Ordinal);
        Add(stored.Where(t => !acceptedIds.Contains(t.Id) && !(NameOf(t) is { } n && landedUnanswered.Contains(n)))
            .Select(t => $"{NameOf(t) ?? t.PayloadJson} id {t.Id}: {t.Status}").ToList(), "in the store without a 202 or a lost answer to explain it");
        Add(storedByName.Where(g => g.Value.Count > 1).Select(g => $"{g.Key}: ids {string.Join(", ", g.Value.Select(t => t.Id))}").ToList(),
            "submitted once but in the store more than once");
        Add(_sideByName.Keys.Where(n => !answeredNames.Contains(n) && unanswered.All(s => s.Task.Name != n))
            .Select(n => $"{n}: {Lines(n)}").ToList(), "executed, but never submitted");
        if (reExecutedAfterCrash.Count > _workers.Concurrency)
            _problems.Add($"{reExecutedAfterCrash.Count} tasks ran again after the worker kill, more than its concurrency {_workers.Concurrency}: " +
                string.Join("; ", reExecutedAfterCrash));

        // 4. The final /stats adds up.
        var expectedTasks = accepted.Length + landedUnanswered.Count;
        if (final is null) _problems.Add("the final /stats could not be read");
        else
        {
            if (final.Store != "redis") _problems.Add($"the final /stats says store '{final.Store}', not redis");
            if (final.Completed != expectedTasks || final.Pending != 0 || final.Failed != 0 || final.Cancelled != 0)
                _problems.Add($"the final /stats does not add up: completed {final.Completed} (expected {expectedTasks}), queued {final.Queued}, " +
                    $"scheduled {final.Scheduled}, processing {final.Processing}, failed {final.Failed}, cancelled {final.Cancelled}");
            // The lifetime counters too: each task enqueued once and completed once, across the restore and the drains.
            // Within a few: a restore counts a snapshot's completions by their time against the time its counters were
            // read, and one completion in that very millisecond cannot be placed (docs/failover.md, "Lifetime counters").
            var slack = Math.Max(2, expectedTasks / 1000);
            if (Math.Abs(final.EnqueuedTotal - expectedTasks) > slack || Math.Abs(final.CompletedTotal - expectedTasks) > slack || final.FailedTotal != 0)
                _problems.Add($"the final /stats lifetime counters do not add up: enqueued {final.EnqueuedTotal}, completed {final.CompletedTotal}, " +
                    $"failed {final.FailedTotal} (expected {expectedTasks}, {expectedTasks}, 0, give or take {slack})");
        }

        return Table(accepted, refused, unanswered, landedUnanswered, stored, side, final, reExecutedAfterCrash, endedTwiceAfterCrash, orphanEnds);
    }

    private void CheckExecutions(ChaosTask task, string when, List<string> problems, List<string> reExecuted, List<string> endedTwice,
        List<string> orphanEnds)
    {
        var lines = _sideByName.TryGetValue(task.Name, out var found) ? found : [];
        var starts = lines.Count(l => !l.IsEnd);
        var ends = lines.Count(l => l.IsEnd);
        var onKilled = lines.Where(_workers.IsKilledWorkers).ToArray();
        var killedStarts = onKilled.Count(l => !l.IsEnd);
        var liveStarts = starts - killedStarts;
        var liveEnds = ends - onKilled.Count(l => l.IsEnd);
        // Allowed: one execution on a live worker, run to its end, plus at most one on the killed worker (cut short
        // by the kill, or ended before it while its outcome was lost). A live execution without its end was cut
        // short by the queue (a lost lease): a breach, as is no end at all.
        if (ends == 0 || killedStarts > 1 || liveStarts > 1 || liveEnds != liveStarts)
            problems.Add($"{task.Name} ({when}): {starts} starts, {ends} ends: {Lines(task.Name)}");
        else if (starts > 1)
        {
            var entry = $"{task.Name}: {Lines(task.Name)}; {when}";
            reExecuted.Add(entry);
            if (ends > 1 && onKilled.Any(l => l.IsEnd && _workers.IsOrphan(l))) orphanEnds.Add(entry);
            else if (ends > 1) endedTwice.Add(entry);
        }
    }

    private string Table(Submission[] accepted, Submission[] refused, Submission[] unanswered, List<string> landedUnanswered,
        IReadOnlyList<SnapshotTask> stored, IReadOnlyList<SideLine> side, ApiStats? final, List<string> reExecuted, List<string> endedTwice,
        List<string> orphanEnds)
    {
        var text = new StringBuilder();
        void Row(string what, string value) => text.AppendLine(CultureInfo.InvariantCulture, $"| {what} | {value} |");
        var outages = _timeline.Phases.Where(p => p.Name.StartsWith(ChaosPhases.OutagePrefix, StringComparison.Ordinal)).ToArray();
        var apiDown = _timeline.Find(ChaosPhases.ApiDown);
        var latencies = _submissions.Select(s => s.Latency).Order().ToArray();
        TimeSpan Max(Func<Submission, bool> which) => _submissions.Where(which).Select(s => s.Latency).DefaultIfEmpty().Max();
        var duringRedisOutages = Max(s => outages.Any(o => o.Overlaps(s.SentAt, s.AnsweredAt)) && !(apiDown?.Overlaps(s.SentAt, s.AnsweredAt) ?? false));
        var duringApiDown = Max(s => apiDown?.Overlaps(s.SentAt, s.AnsweredAt) ?? false);
        var refusedTries = _submissions.Sum(s => s.RefusedConnections);

        text.AppendLine("| measure | count |").AppendLine("|---|---:|");
        Row("submitted", N(_submissions.Count));
        Row("accepted (202)", N(accepted.Length));
        Row("not accepted: refused (HTTP answer other than 202)", N(refused.Length));
        Row("not accepted: no answer (connection lost)", $"{N(unanswered.Length)}, of which in the store anyway: {N(landedUnanswered.Count)}");
        Row("tasks in Redis at the end", N(stored.Count));
        Row("completed", N(stored.Count(t => t.Status == "completed")));
        Row("handler executions (start lines)", N(side.Count(l => !l.IsEnd)));
        Row("handler executions run to the end (end lines)", N(side.Count(l => l.IsEnd)));
        Row($"tasks run again after the kill of worker {_workers.Name(_workers.KilledPid)}", N(reExecuted.Count));
        Row("  of which the killed worker's run had ended before it died (outcome lost with the worker)", N(endedTwice.Count));
        Row("  of which the killed worker's recogniser ended after it died (orphan of the kill)", N(orphanEnds.Count));
        Row("executions cut short by that kill", N(SideFile.Unfinished(side, _workers.KilledPid)));
        Row("problems", N(_problems.Count));
        if (final is not null)
            Row("final /stats", $"store {final.Store}; completed {N(final.Completed)}, queued {final.Queued}, scheduled {final.Scheduled}, " +
                $"processing {final.Processing}, failed {final.Failed}, cancelled {final.Cancelled}; lifetime counters: enqueued {N(final.EnqueuedTotal)}, " +
                $"completed {N(final.CompletedTotal)}, failed {N(final.FailedTotal)}");
        text.AppendLine();
        text.AppendLine("| submission latency | ms |").AppendLine("|---|---:|");
        Row("p50 / p99, all submissions", $"{Ms(Percentile(latencies, 0.50))} / {Ms(Percentile(latencies, 0.99))}");
        Row("longest, all submissions", Ms(latencies.DefaultIfEmpty().Max()));
        Row("longest during the Redis outages (API up)", Ms(duringRedisOutages));
        Row($"longest across the API's kill and restart ({N(refusedTries)} refused connections retried)", Ms(duringApiDown));
        text.AppendLine();
        text.AppendLine("| phase | from (s) | took (s) | what happened |").AppendLine("|---|---:|---:|---|");
        foreach (var p in _timeline.Phases.OrderBy(p => p.Start))
            text.AppendLine(CultureInfo.InvariantCulture, $"| {p.Name} | {ChaosTimeline.Seconds(p.Start)} | {ChaosTimeline.Seconds(p.Duration)} | {p.Detail} |");
        text.AppendLine().AppendLine("Events:").Append(_timeline.EventLog());
        if (reExecuted.Count > 0) text.AppendLine("Run again after the worker kill:").AppendLine("  " + string.Join("\n  ", reExecuted));
        if (unanswered.Length > 0)
            text.AppendLine("No answer:").AppendLine("  " + string.Join("\n  ", unanswered.Select(s =>
                $"{s.Task.Name} sent {_timeline.Describe(s.SentAt)}: {Trim(s.Error)}")));
        return text.ToString();
    }

    private void Add(List<string> items, string what)
    {
        if (items.Count == 0) return;
        _problems.Add($"{items.Count} tasks {what}:\n    " + string.Join("\n    ", items.Take(ListedPerProblem))
            + (items.Count > ListedPerProblem ? $"\n    … and {items.Count - ListedPerProblem} more" : ""));
    }

    private string Lines(string name) =>
        _sideByName.TryGetValue(name, out var lines)
            ? string.Join(", ", lines.Select(l => $"{(l.IsEnd ? "end" : "start")} on {_workers.Name(l.WorkerPid)}{(_workers.IsOrphan(l) ? " (after it died)" : "")}"))
            : "no line";

    /// <summary>What the store says of the task's attempts: how many, and each recorded error (a reclaimed lease names its worker).</summary>
    private static string Attempts(SnapshotTask task) =>
        $"store: {task.Status}, {task.Attempts} attempt(s), last worker {task.WorkerId ?? "none"}"
        + (task.Errors.Count == 0 ? "" : ", errors: " + string.Join(" | ", task.Errors.Select(e => $"attempt {e.Attempt} {e.Kind}: {Trim(e.Message)}")));

    private string? NameOf(SnapshotTask task)
    {
        try
        {
            using var payload = JsonDocument.Parse(task.PayloadJson);
            return payload.RootElement.TryGetProperty("audioPath", out var path) && path.GetString() is { } p ? _workload.Find(p)?.Name : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static TimeSpan Percentile(TimeSpan[] sorted, double p) => sorted.Length == 0 ? TimeSpan.Zero : sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1)];

    private static string Ms(TimeSpan span) => span.TotalMilliseconds.ToString("#,0", CultureInfo.InvariantCulture);

    private static string N(long n) => n.ToString("#,0", CultureInfo.InvariantCulture);

    private static string Trim(string? text) => text is null ? "" : text.Length <= 300 ? text : text[..300] + "…";
}

/// <summary>The names of the phases the verdict looks for.</summary>
internal static class ChaosPhases
{
    /// <summary>Every Redis outage's phase name starts with this.</summary>
    public const string OutagePrefix = "Redis outage";

    /// <summary>From the API's <c>kill -9</c> to its successor answering <c>/health</c>.</summary>
    public const string ApiDown = "API down (kill -9 to healthy again)";
}
