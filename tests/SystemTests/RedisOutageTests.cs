using System.Text.RegularExpressions;
using QueueService.Tasks;
using QueueService.Tests.Support;
using SystemTests.Support;

namespace SystemTests;

/// <summary>Worker processes riding out a Redis crash and restart.</summary>
public sealed partial class RedisOutageTests
{
    private const string Queue = "risk-detection";
    private const int TaskCount = 1000;
    private const int Concurrency = 2;
    private const int PollsDuringOutage = 3;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Workers_RecoverAndCompleteEveryTask_LoggingTheOutageOnce_WhenRedisIsKilledAndStartedAgainMidRun()
    {
        await using var system = await QueueSystem.StartAsync();
        // The API runs the lease reaper, as in production: a lease Redis applied (and fsynced) just before the
        // kill, whose answer the worker never got, is held by nobody and only the reaper frees it.
        await system.StartApiAsync(new Dictionary<string, string?> { ["Queue__Maintenance__ReapInterval"] = "00:00:01" });
        var settings = new Dictionary<string, string?>
        {
            // A call to a dead Redis fails after 1 s instead of the client's default 5 s and the loops poll
            // often, so a few seconds of outage hold several failed polls of each kind: enough to tell
            // "logged once per outage" from "logged once per poll".
            ["REDIS_URL"] = $"{system.Redis.ConnectionString},syncTimeout=1000,asyncTimeout=1000",
            ["Queue__Worker__HeartbeatInterval"] = "00:00:01",
            ["Queue__Worker__IdlePollInterval"] = "00:00:00.100",
            // Outlives the outage: the tasks in flight keep their lease and their results are recorded after it.
            ["Queue__Worker__LeaseDuration"] = "00:00:20",
        };
        var workerIds = new[] { "outage-1", "outage-2" };
        var workers = await system.StartWorkersAsync(workerIds, Queue, Concurrency, settings);
        var ids = await system.EnqueueAsync(Enumerable.Range(0, TaskCount)
            .Select(i => new NewTask(Queue, $$"""{"text": "Please wire the money, message {{i}}"}""") { Priority = i % 3 }).ToArray());

        var before = await Eventually.MatchAsync(async ct => (await system.Store.GetStatsAsync(ct)).Totals, t => t.Completed >= 100,
            Patience, "the workers should be under way before Redis goes");
        system.Redis.Kill();
        var linesBeforeKill = workers.Select(w => w.Lines.Count).ToArray();
        before.Completed.Should().BeLessThan(TaskCount - 100, "Redis goes down mid-run, with work left to do");
        // The outage lasts until every worker has seen several of its registry refreshes fail.
        foreach (var (worker, id) in workers.Zip(workerIds))
        {
            await worker.WaitForLineAsync(l => l.Contains($"Registering worker {id} still failing ({PollsDuringOutage} in a row)", StringComparison.Ordinal),
                Patience, $"worker {id} should keep trying to reach Redis while it is down");
        }
        await system.Redis.StartAgainAsync();

        var counts = await system.WaitForFinishedAsync(TaskCount, Patience, "the workers should finish every task once Redis is back");
        workers.Should().OnlyContain(w => !w.HasExited, "a Redis outage must not end a worker process");
        await system.StopWorkersAsync(QueueSystem.StartPatience);

        counts.Completed.Should().Be(TaskCount, "no task may fail or be lost: {0}", counts);
        var tasks = await system.GetAllAsync(ids);
        tasks.Should().OnlyContain(t => t.Status == QueueTaskStatus.Completed);
        var starts = system.Starts().GroupBy(s => s.TaskId).ToDictionary(g => g.Key, g => g.Count());
        starts.Keys.Should().BeEquivalentTo(ids, "every task was executed");
        // At-least-once: a task may run twice only if the reaper took it back from a lease nobody held.
        tasks.Where(t => (t.Attempts > 1 || starts[t.Id] > 1) && !t.ErrorHistory.Any(e => e.Kind == TaskErrorKinds.LeaseExpired))
            .Should().BeEmpty("a second execution must come from a reclaimed lease, never from the outage itself");

        foreach (var ((worker, id), beforeKill) in workers.Zip(workerIds).Zip(linesBeforeKill))
        {
            var lines = worker.Lines.Skip(beforeKill).ToArray(); // from the kill on
            lines.Count(l => l.Contains($"Registering worker {id} still failing", StringComparison.Ordinal))
                .Should().BeGreaterThanOrEqualTo(PollsDuringOutage - 1, "the registry polled Redis again and again while it was down");
            WorkerLog.Count(lines, $"Registering worker {id} paused: the store is unavailable").Should().Be(1, "the outage starts once");
            WorkerLog.Count(lines, $"Registering worker {id} recovered").Should().Be(1, "and ends once");
            WorkerLog.Count(lines, $"Leasing for worker {id} paused").Should().BeLessThanOrEqualTo(1);
            // Once per state change: the lease loop and the registry once each, and each task in flight at most
            // once per way it meets the store (recording its outcome, heartbeats, progress) and once more if
            // its lease turns out lost after the restart. Logged once per poll, this grows with every poll.
            var warnings = lines.Where(l => WarningOrWorse().IsMatch(l)).ToArray();
            warnings.Length.Should().BeLessThanOrEqualTo(2 + 4 * Concurrency,
                $"worker {id} should log the outage once per state change, not once per poll:\n{string.Join('\n', warnings)}");
        }
    }

    [GeneratedRegex(@"^\[\d\d:\d\d:\d\d (WRN|ERR|FTL)\]")]
    private static partial Regex WarningOrWorse();
}
