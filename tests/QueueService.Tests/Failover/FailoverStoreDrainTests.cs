using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using QueueService.Stores;
using QueueService.Stores.Failover;
using QueueService.Tasks;
using QueueService.Tests.Support;

namespace QueueService.Tests.Failover;

/// <summary>The drain back into Redis and the start-up from a leftover journal: a real redis-server, stopped and restarted.</summary>
public sealed class FailoverStoreDrainTests : IAsyncLifetime
{
    private FailoverStoreHarness _h = null!;

    public async Task InitializeAsync() => _h = await FailoverStoreHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static NewTask Task(int n, int priority = 0) => new("alpha", $$"""{"n":{{n}}}""") { Priority = priority };

    private static long Total(QueueStats stats) =>
        stats.Totals.Queued + stats.Totals.Scheduled + stats.Totals.Processing + stats.Totals.Completed + stats.Totals.Failed + stats.Totals.Cancelled;

    private async Task<List<string>> LeaseAllAsync()
    {
        var redis = _h.Redis;
        var order = new List<string>();
        while ((await redis.LeaseAsync("checker", ["alpha"], 1, TimeSpan.FromMinutes(1))) is [var lease]) order.Add(lease.TaskId);
        return order;
    }

    [Fact]
    public async Task Drain_MovesEveryOutageTaskIntoRedisOnceInOrder_WhenRedisComesBackWithItsData()
    {
        var store = await _h.OpenStoreAsync();
        var accepted = new List<(string Id, int Priority)>();
        foreach (var priority in new[] { 0, 50 }) accepted.Add(((await store.EnqueueAsync(Task(accepted.Count, priority))).Id, priority));
        await _h.StopRedisAsync(keepData: true);

        var priorities = new[] { 0, 50, 0, 100, 50, 0, 100, 0, 50, 0, 0, 100 };
        foreach (var priority in priorities) accepted.Add(((await store.EnqueueAsync(Task(accepted.Count, priority))).Id, priority));
        var cancelled = new[] { accepted[4].Id, accepted[9].Id };
        foreach (var id in cancelled) await store.CancelAsync(id);
        var scheduled = (await store.EnqueueAsync(Task(99) with { Delay = TimeSpan.FromHours(1) })).Id;
        store.Kind.Should().Be("memory-fallback");
        var acceptedAt = (await store.GetAsync(accepted[5].Id))!.CreatedAt;

        await _h.StartRedisAsync();
        await FailoverStoreHarness.WaitForRedisModeAsync(store);
        (await _h.Redis.GetAsync(accepted[5].Id))!.CreatedAt.Should().Be(acceptedAt, "a drained task keeps the time it was accepted into memory");

        _h.Restores.Should().Be(0, "Redis came back with the epoch it had: nothing to restore");
        store.JournalCount.Should().Be(0, "the journal is emptied after the drain");
        var redis = _h.Redis;
        Total(await redis.GetStatsAsync()).Should().Be(accepted.Count + 1, "each task once, the 2 from before the outage included");
        foreach (var id in cancelled) (await redis.GetAsync(id))!.Status.Should().Be(QueueTaskStatus.Cancelled);
        (await redis.GetAsync(scheduled))!.Status.Should().Be(QueueTaskStatus.Scheduled);
        var expected = accepted.Where(t => !cancelled.Contains(t.Id))
            .Select((t, index) => (t.Id, t.Priority, index))
            .OrderByDescending(t => t.Priority).ThenBy(t => t.index).Select(t => t.Id);
        (await LeaseAllAsync()).Should().Equal(expected, "priority first, then the order they were accepted in, across the outage");
        // Logged just after the store switches back to Redis, which is what the test waited for.
        await Eventually.TrueAsync(_ => System.Threading.Tasks.Task.FromResult(_h.Log.Entries.Any(e => e.Message.Contains("Drained 13 tasks", StringComparison.Ordinal))),
            FailoverStoreHarness.Within, "the drain is logged");
        _h.Log.Entries.Should().ContainSingle(e => e.Level == LogLevel.Information && e.Message.Contains("Drained 13 tasks", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Drain_RestoresTheSnapshotFirst_WhenRedisComesBackEmpty()
    {
        var store = await _h.OpenStoreAsync();
        var before = new List<string>();
        for (var i = 0; i < 3; i++) before.Add((await store.EnqueueAsync(Task(i))).Id);
        var snapshot = await _h.Redis.ExportAsync();
        long? tasksAtRestore = null;
        _h.OnRestore = async ct =>
        {
            tasksAtRestore = Total(await _h.Redis.GetStatsAsync(ct));
            await _h.Redis.ImportAsync(snapshot, ct);
        };
        await _h.StopRedisAsync(keepData: false);

        var during = new List<string>();
        for (var i = 0; i < 4; i++) during.Add((await store.EnqueueAsync(Task(10 + i))).Id);
        await _h.StartRedisAsync();
        await FailoverStoreHarness.WaitForRedisModeAsync(store);

        _h.Restores.Should().Be(1);
        tasksAtRestore.Should().Be(0, "the restore runs before the drain, into the empty Redis");
        (await LeaseAllAsync()).Should().Equal(before.Concat(during), "the restored tasks keep their place ahead of the drained ones");
    }

    [Fact]
    public async Task Drain_AppliesEachTaskOnce_WhenRepeatedAfterAnInterruptedDrain()
    {
        var first = await _h.OpenStoreAsync();
        await _h.StopRedisAsync();
        var ids = new List<string>();
        for (var i = 0; i < 10; i++) ids.Add((await first.EnqueueAsync(Task(i))).Id);
        await first.CancelAsync(ids[1]);
        await first.DisposeAsync();

        // A drain that died half-way: the first 5 reached Redis, then a worker finished two of them.
        await _h.StartRedisAsync();
        await using (var journal = await FailoverJournal.OpenAsync(_h.JournalPath, new FailoverOptions(), TimeProvider.System, _h.Log))
        {
            journal.Replayed.Should().HaveCount(11);
            foreach (var entry in journal.Replayed.Where(e => e.Kind == JournalEntryKind.Enqueued).Take(5)) await _h.Redis.EnqueueAsync(entry.Task!);
        }
        var redis = _h.Redis;
        foreach (var lease in await redis.LeaseAsync("w1", ["alpha"], 2, TimeSpan.FromMinutes(1))) await redis.CompleteAsync(lease, null);

        var second = await _h.OpenStoreAsync();
        await FailoverStoreHarness.WaitForRedisModeAsync(second);

        Total(await redis.GetStatsAsync()).Should().Be(10, "each task once");
        (await redis.GetAsync(ids[0]))!.Status.Should().Be(QueueTaskStatus.Completed, "a drained task a worker finished is not queued again");
        (await redis.GetAsync(ids[1]))!.Status.Should().Be(QueueTaskStatus.Completed, "it was finished before the cancel reached Redis");
        (await LeaseAllAsync()).Should().Equal(ids.Skip(2), "the rest, once each, in order");
        second.JournalCount.Should().Be(0);
    }

    [Fact]
    public async Task Drain_AppliesEachTaskOnceInOrder_WhenTheStoreIsDisposedMidDrainAndReopened()
    {
        var first = await _h.OpenStoreAsync();
        await _h.StopRedisAsync();
        var ids = new List<string>();
        for (var b = 0; b < 5; b++)
            ids.AddRange((await first.EnqueueBatchAsync(Enumerable.Range(0, 1000).Select(i => Task(b * 1000 + i)).ToList())).Select(r => r.Id));

        await _h.StartRedisAsync();
        var redis = _h.Redis;
        await Eventually.TrueAsync(async ct => Total(await redis.GetStatsAsync(ct)) > 0, FailoverStoreHarness.Within, "the drain has begun");
        await first.DisposeAsync();
        var drainedBefore = Total(await redis.GetStatsAsync());
        first.DrainCount.Should().Be(0, "the store was disposed mid-drain (the drain of 5,000 takes hundreds of ms; it was stopped after the first calls)");

        var second = await _h.OpenStoreAsync();
        await FailoverStoreHarness.WaitForRedisModeAsync(second);
        Total(await redis.GetStatsAsync()).Should().Be(5000, $"each task once ({drainedBefore} were drained before the first store was disposed)");
        var order = new List<string>();
        while ((await redis.LeaseAsync("checker", ["alpha"], 1000, TimeSpan.FromMinutes(1))) is { Count: > 0 } leases) order.AddRange(leases.Select(l => l.TaskId));
        order.Should().Equal(ids, "the order they were accepted in");
    }

    [Fact]
    public async Task StartAsync_ServesALeftoverJournalFromMemoryAndDrainsIt_WhenRedisComesBack()
    {
        var first = await _h.OpenStoreAsync();
        await _h.StopRedisAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add((await first.EnqueueAsync(Task(i, priority: i % 2 * 10))).Id);
        await first.CancelAsync(ids[4]);
        await first.DisposeAsync();

        var second = await _h.OpenStoreAsync();
        second.Kind.Should().Be("memory-fallback", "a non-empty journal starts the store on memory");
        (await second.GetAsync(ids[3]))!.Priority.Should().Be(10);
        (await second.GetAsync(ids[4]))!.Status.Should().Be(QueueTaskStatus.Cancelled);

        await _h.StartRedisAsync();
        await FailoverStoreHarness.WaitForRedisModeAsync(second);
        (await _h.Redis.GetAsync(ids[4]))!.Status.Should().Be(QueueTaskStatus.Cancelled);
        (await LeaseAllAsync()).Should().Equal(ids[1], ids[3], ids[0], ids[2]);
    }

    [Fact]
    public async Task Drain_LosesNoSubmission_WhenSubmittersRaceTheSwitchBack()
    {
        var store = await _h.OpenStoreAsync(probe: TimeSpan.FromMilliseconds(20));
        await _h.StopRedisAsync();
        var acknowledged = new ConcurrentBag<(string Id, string Kind)>();
        var refused = 0;
        using var stop = new CancellationTokenSource();
        var submitters = Enumerable.Range(0, 4).Select(s => System.Threading.Tasks.Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                try
                {
                    var kind = store.Kind;
                    acknowledged.Add(((await store.EnqueueAsync(Task(s * 100_000 + n, priority: n % 3))).Id, kind));
                }
                catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
                {
                    Interlocked.Increment(ref refused);
                }
            }
        })).ToArray();

        await Eventually.TrueAsync(_ => System.Threading.Tasks.Task.FromResult(acknowledged.Count >= 200), FailoverStoreHarness.Within, "submissions are accepted during the outage");
        await _h.StartRedisAsync();
        await Eventually.TrueAsync(_ => System.Threading.Tasks.Task.FromResult(store.DrainCount == 1), FailoverStoreHarness.Within, "the drain completes under load");
        var atSwitch = acknowledged.Count;
        await Eventually.TrueAsync(_ => System.Threading.Tasks.Task.FromResult(acknowledged.Count >= atSwitch + 200), FailoverStoreHarness.Within, "submissions go on into Redis");
        await stop.CancelAsync();
        await System.Threading.Tasks.Task.WhenAll(submitters);
        // A call that timed out on a starved machine switches to memory again, and the next probe drains it.
        await FailoverStoreHarness.WaitForRedisModeAsync(store);

        var all = acknowledged.ToList();
        all.Select(a => a.Id).Should().OnlyHaveUniqueItems();
        all.Should().Contain(a => a.Kind == "memory-fallback").And.Contain(a => a.Kind == "redis");
        var redis = _h.Redis;
        Total(await redis.GetStatsAsync()).Should().Be(all.Count, "every acknowledged submission is in Redis, once");
        foreach (var (id, _) in all) (await redis.GetAsync(id)).Should().NotBeNull();
        store.JournalCount.Should().Be(0);
        store.Kind.Should().Be("redis");
        refused.Should().Be(0, "whatever Redis did, a submission was accepted into Redis or into memory");
    }

    [Fact]
    public async Task SubscribeEventsAsync_CarriesBothStoresEvents_WhenSubscribedDuringAnOutage()
    {
        var store = await _h.OpenStoreAsync();
        await _h.StopRedisAsync();
        await store.EnqueueAsync(Task(0));
        await using var events = await store.SubscribeEventsAsync();

        var during = await store.EnqueueAsync(Task(1));
        var seen = new HashSet<string>();
        await Eventually.TrueAsync(_ =>
        {
            while (events.Reader.TryRead(out var e)) seen.Add(e.TaskId);
            return System.Threading.Tasks.Task.FromResult(seen.Contains(during.Id));
        }, FailoverStoreHarness.Within, "the memory store's events reach the subscription while Redis is down");

        await _h.StartRedisAsync();
        await FailoverStoreHarness.WaitForRedisModeAsync(store);
        // The probe subscribes to Redis once it answers; enqueues after that arrive through Redis's channel.
        var sentToRedis = new HashSet<string>();
        await Eventually.TrueAsync(async ct =>
        {
            sentToRedis.Add((await store.EnqueueAsync(Task(2), ct)).Id);
            while (events.Reader.TryRead(out var e)) seen.Add(e.TaskId);
            return sentToRedis.Overlaps(seen);
        }, FailoverStoreHarness.Within, "Redis's events reach the same subscription once Redis answers");
    }
}
