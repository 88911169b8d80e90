using System.Diagnostics;
using System.Text.Json;
using QueueService.Snapshots;
using SystemTests.Support;

namespace SystemTests;

/// <summary>
/// The chaos scenario's judge on made-up end states, in milliseconds: it passes a clean run, allows exactly what
/// a worker crash explains, and names every other breach. The scenario itself cannot show that its verdict would
/// pass, so this does.
/// </summary>
public sealed class ChaosVerdictTests : IDisposable
{
    private const int KilledPid = 200;
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private readonly ChaosWorkload _workload = ChaosWorkload.Create(count: 4, slowEvery: 50, seed: 1);
    private readonly ChaosTimeline _timeline = new(new Stopwatch());
    private readonly ChaosWorkers _workers = new(new Dictionary<int, string> { [100] = "live", [KilledPid] = "killed" }, KilledPid, 4, LinesBeforeKillEnded: 1000);

    /// <inheritdoc/>
    public void Dispose() => _workload.Delete();

    [Fact]
    public void Verdict_FindsNoProblem_WhenEveryAcceptedTaskCompletedAndRanOnce()
    {
        var verdict = Judge(Accepted(0, 1, 2, 3), Stored(0, 1, 2, 3), RanOnce(0, 1, 2, 3));

        verdict.Problems.Should().BeEmpty();
        verdict.Report.Should().Contain("| accepted (202) | 4 |").And.Contain("| problems | 0 |");
    }

    [Fact]
    public void Verdict_AllowsASecondRun_WhenTheFirstStartedOnTheKilledWorker()
    {
        var side = RanOnce(0, 1, 2).Concat([Start(3, KilledPid), Start(3, 100), End(3, 100)]).ToList();

        var verdict = Judge(Accepted(0, 1, 2, 3), Stored(0, 1, 2, 3), side);

        verdict.Problems.Should().BeEmpty();
        verdict.Report.Should().Contain("| tasks run again after the kill of worker killed | 1 |");
    }

    [Fact]
    public void Verdict_CountsARunUnderNoWorkersPid_AsTheKilledWorkersOrphan()
    {
        // The recogniser's shell was forked just before its worker was killed and started with init as its parent.
        var side = RanOnce(0, 1, 2).Concat([Start(3, 1), End(3, 1), Start(3, 100), End(3, 100)]).ToList();

        var verdict = Judge(Accepted(0, 1, 2, 3), Stored(0, 1, 2, 3), side);

        verdict.Problems.Should().BeEmpty();
        verdict.Report.Should().Contain("| tasks run again after the kill of worker killed | 1 |")
            .And.Contain("|   of which the killed worker's recogniser ended after it died (orphan of the kill) | 1 |")
            .And.Contain("start on pid 1 (no worker: a recogniser started after its worker, killed, was killed)");
    }

    [Fact]
    public void Verdict_NamesTheTask_WhenItRanTwiceUnderNoWorkersPid()
    {
        var side = RanOnce(0, 1, 2).Concat([Start(3, 1), End(3, 1), Start(3, 1), End(3, 1)]).ToList();

        var verdict = Judge(Accepted(0, 1, 2, 3), Stored(0, 1, 2, 3), side);

        verdict.Problems.Should().ContainSingle().Which.Should().Contain("run other than exactly once").And.Contain(_workload.Tasks[3].Name);
    }

    [Fact]
    public void Verdict_NamesTheTasks_WhenOneIsGoneAndOneRanTwiceOnLiveWorkers()
    {
        var side = RanOnce(0, 1, 2).Concat(RanOnce(2)).ToList();

        var verdict = Judge(Accepted(0, 1, 2, 3), Stored(0, 1, 2), side, completed: 3);

        verdict.Problems.Should().Contain(p => p.Contains("accepted (202) but gone from the store", StringComparison.Ordinal)
            && p.Contains(_workload.Tasks[3].Name, StringComparison.Ordinal));
        verdict.Problems.Should().Contain(p => p.Contains("run other than exactly once", StringComparison.Ordinal)
            && p.Contains($"{_workload.Tasks[2].Name} (", StringComparison.Ordinal) && p.Contains("2 starts, 2 ends", StringComparison.Ordinal));
        verdict.Problems.Should().Contain(p => p.Contains("final /stats does not add up", StringComparison.Ordinal));
    }

    [Fact]
    public void Verdict_ExplainsASubmissionWithoutAnswer_OnlyWhenItOverlapsTheApiKill()
    {
        _timeline.Phase(ChaosPhases.ApiDown, TimeSpan.Zero); // the clock is not running: the API was down at 0 s
        var submissions = Accepted(0, 1).Concat([
            new Submission(_workload.Tasks[2], 20 * Second, 21 * Second, null, null, "connection reset", 0),
            new Submission(_workload.Tasks[3], TimeSpan.Zero, Second, null, null, "connection reset", 0)]).ToList();

        var verdict = Judge(submissions, Stored(0, 1), RanOnce(0, 1), completed: 2);

        verdict.Problems.Should().ContainSingle().Which.Should().Contain(_workload.Tasks[2].Name).And.Contain("outside the API's kill and restart");
        verdict.Report.Should().Contain("| not accepted: no answer (connection lost) | 2, of which in the store anyway: 0 |");
    }

    [Fact]
    public void Verdict_NamesTheLifetimeCounters_WhenARestoreLostSomeOfThem()
    {
        var verdict = Judge(Accepted(0, 1, 2, 3), Stored(0, 1, 2, 3), RanOnce(0, 1, 2, 3), lifetime: (Enqueued: 1, Completed: 4));

        verdict.Problems.Should().ContainSingle().Which.Should().Contain("lifetime counters do not add up").And.Contain("enqueued 1");
    }

    [Fact]
    public void Verdict_AllowsTheLifetimeCountersAFewOff_AsACompletionInTheSnapshotsMillisecondLeavesThem()
    {
        var verdict = Judge(Accepted(0, 1, 2, 3), Stored(0, 1, 2, 3), RanOnce(0, 1, 2, 3), lifetime: (Enqueued: 4, Completed: 3));

        verdict.Problems.Should().BeEmpty();
    }

    private ChaosVerdict Judge(IReadOnlyList<Submission> submissions, IReadOnlyList<SnapshotTask> stored, IReadOnlyList<SideLine> side, int completed = 4,
        (long Enqueued, long Completed)? lifetime = null) =>
        new(_workload, submissions, stored, side, _workers,
            new ApiStats("redis", 0, 0, 0, completed, 0, 0, lifetime?.Enqueued ?? completed, lifetime?.Completed ?? completed, 0), null, _timeline);

    private List<Submission> Accepted(params int[] numbers) =>
        numbers.Select(n => new Submission(_workload.Tasks[n], n * Second, n * Second + Second, 202, Id(n), null, 0)).ToList();

    private List<SnapshotTask> Stored(params int[] numbers) => numbers.Select(n => new SnapshotTask
    {
        Id = Id(n),
        Type = ChaosWorkload.Queue,
        PayloadJson = JsonSerializer.Serialize(new { audioPath = _workload.Tasks[n].AudioPath }),
        Status = "completed",
        Attempts = 1,
    }).ToList();

    private List<SideLine> RanOnce(params int[] numbers) => numbers.SelectMany(n => new[] { Start(n, 100), End(n, 100) }).ToList();

    private SideLine Start(int n, int pid) => new(false, _workload.Tasks[n].Name, pid, 0);

    private SideLine End(int n, int pid) => new(true, _workload.Tasks[n].Name, pid, 0);

    private static string Id(int n) => $"task-{n}";
}
