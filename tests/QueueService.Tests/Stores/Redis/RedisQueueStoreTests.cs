using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using QueueService.Stores;
using QueueService.Stores.Redis;
using QueueService.Tasks;
using QueueService.Tests.Fixtures;
using QueueService.Tests.Support;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace QueueService.Tests.Stores.Redis;

/// <summary>What only the Redis store has: scripts, keys, namespaces, epoch, connection failures, Redis time.</summary>
public sealed class RedisQueueStoreTests(RedisServerFixture redis, ITestOutputHelper output) : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private RedisQueueStore CreateStore(string ns, TimeProvider? time = null) => redis.CreateStore(ns, time: time);

    private IServer Server => redis.Connection.GetServer(redis.Connection.GetEndPoints()[0]);

    [Fact]
    public async Task Scripts_StillRun_AfterScriptFlush()
    {
        await using var store = CreateStore(RedisServerFixture.UniqueNamespace());
        await store.EnqueueAsync(new NewTask("flush", "{}"));

        await Server.ScriptFlushAsync();

        var second = await store.EnqueueAsync(new NewTask("flush", "{}"));
        second.QueuePosition.Should().Be(2, "the enqueue script reloads after NOSCRIPT and still sees the first task");
        await Server.ScriptFlushAsync();
        var leases = await store.LeaseAsync("w1", ["flush"], 10, Lease);
        leases.Should().HaveCount(2);
    }

    [Fact]
    public async Task EveryKey_StartsWithPrefixAndNamespaceTag()
    {
        var ns = RedisServerFixture.UniqueNamespace();
        await using var store = CreateStore(ns);
        await store.EnsureEpochAsync();
        await store.EnqueueBatchAsync([new NewTask("a", "{}"), new NewTask("b", "{}") { Delay = TimeSpan.FromHours(1) }]);
        var leases = await store.LeaseAsync("w1", ["a"], 1, Lease);
        await store.CompleteAsync(leases[0], "{}");
        await store.EnqueueAsync(new NewTask("a", "{}") { MaxRetries = 0 });
        var failing = await store.LeaseAsync("w1", ["a"], 1, Lease);
        await store.FailAsync(failing[0], new TaskFailure("boom"));

        // SCAN is fine here: a test inspecting its own namespace, never the store's hot path.
        var keys = new List<string>();
        await foreach (var key in Server.KeysAsync(pattern: $"*{ns}*")) keys.Add(key!);

        keys.Should().NotBeEmpty().And.OnlyContain(k => k.StartsWith($"rq:{{{ns}}}:", StringComparison.Ordinal));
        keys.Should().Contain([$"rq:{{{ns}}}:seq", $"rq:{{{ns}}}:epoch", $"rq:{{{ns}}}:stats", $"rq:{{{ns}}}:types"]);
    }

    [Fact]
    public async Task TwoNamespaces_OnOneServer_DoNotSeeEachOther()
    {
        await using var left = CreateStore(RedisServerFixture.UniqueNamespace() + "L");
        await using var right = CreateStore(RedisServerFixture.UniqueNamespace() + "R");
        var task = await left.EnqueueAsync(new NewTask("shared", "{}") { Id = "same-id" });

        (await right.GetAsync(task.Id)).Should().BeNull();
        (await right.LeaseAsync("w", ["shared"], 10, Lease)).Should().BeEmpty();
        (await right.EnqueueAsync(new NewTask("shared", "{}") { Id = "same-id" })).Created.Should().BeTrue();
        (await left.GetStatsAsync()).Totals.Queued.Should().Be(1);
    }

    [Fact]
    public async Task Epoch_IsWrittenOnce_AndStable()
    {
        var ns = RedisServerFixture.UniqueNamespace();
        await using var first = CreateStore(ns);
        await using var second = CreateStore(ns);
        await using var other = CreateStore(RedisServerFixture.UniqueNamespace() + "x");

        var epoch = await first.EnsureEpochAsync();

        epoch.Should().MatchRegex("^[0-9a-f]{32}$");
        (await first.EnsureEpochAsync()).Should().Be(epoch);
        (await second.EnsureEpochAsync()).Should().Be(epoch, "a second store of the namespace finds the epoch");
        (await other.EnsureEpochAsync()).Should().NotBe(epoch);
    }

    /// <summary>A connection to a loopback port nobody listens on, failing fast.</summary>
    private static async Task<ConnectionMultiplexer> ConnectToNobodyAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var options = ConfigurationOptions.Parse($"127.0.0.1:{port}");
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 200;
        options.AsyncTimeout = 500;
        options.SyncTimeout = 500;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    [Fact]
    public async Task Operations_FailUnavailable_WhenRedisIsUnreachable()
    {
        await using var dead = await ConnectToNobodyAsync();
        await using var store = new RedisQueueStore(dead, new RedisStoreOptions(), new QueueStoreOptions());
        var clock = Stopwatch.StartNew();

        var enqueue = () => store.EnqueueAsync(new NewTask("a", "{}"));
        var get = () => store.GetAsync("x");

        (await enqueue.Should().ThrowAsync<QueueStoreException>()).Which.Error.Should().Be(StoreError.Unavailable);
        (await get.Should().ThrowAsync<QueueStoreException>()).Which.Error.Should().Be(StoreError.Unavailable);
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "a dead Redis must fail fast, not hang");
    }

    [Fact]
    public async Task Operations_LogUnavailableAtDebugOnly_WhenRedisIsUnreachable()
    {
        await using var dead = await ConnectToNobodyAsync();
        var log = new ListLogger<RedisQueueStore>();
        await using var store = new RedisQueueStore(dead, new RedisStoreOptions(), new QueueStoreOptions(), logger: log);

        for (var poll = 0; poll < 3; poll++)
            await store.Invoking(s => s.LeaseAsync("w1", ["a"], 1, Lease)).Should().ThrowAsync<QueueStoreException>();

        // Every caller retries and reports the outage once when it starts and once when it ends (FailureStreak);
        // a warning here too would make each failed poll of each loop a warning with a stack trace.
        log.Entries.Should().HaveCount(3).And.OnlyContain(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Debug,
            "an outage is the caller's to report, once");
    }

    [Fact]
    public async Task Times_ComeFromRedis_NotFromTheTimeProvider()
    {
        var fake = new FakeTimeProvider(new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var store = CreateStore(RedisServerFixture.UniqueNamespace(), fake);
        var serverTime = await Server.TimeAsync();

        var result = await store.EnqueueAsync(new NewTask("clock", "{}"));

        result.CreatedAt.Should().BeCloseTo(new DateTimeOffset(serverTime, TimeSpan.Zero), TimeSpan.FromSeconds(5));
        var lease = (await store.LeaseAsync("w", ["clock"], 1, TimeSpan.FromSeconds(10)))[0];
        lease.LeaseExpiresAt.Should().BeCloseTo(new DateTimeOffset(serverTime, TimeSpan.Zero) + TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task MainFlow_LeasesByPriorityThenFifo_AndReportsPositions()
    {
        await using var store = CreateStore(RedisServerFixture.UniqueNamespace());
        var low1 = await store.EnqueueAsync(new NewTask("main", "{\"n\":1}"));
        var low2 = await store.EnqueueAsync(new NewTask("main", "{\"n\":2}"));
        var high = await store.EnqueueAsync(new NewTask("main", "{\"n\":3}") { Priority = 50 });

        low1.QueuePosition.Should().Be(1);
        low2.QueuePosition.Should().Be(2);
        high.QueuePosition.Should().Be(1, "a higher priority goes ahead of both");
        (await store.GetAsync(low2.Id))!.QueuePosition.Should().Be(3);

        var leases = await store.LeaseAsync("w1", ["main"], 3, Lease);
        leases.Select(l => l.TaskId).Should().Equal(high.Id, low1.Id, low2.Id);
        leases.Should().OnlyContain(l => l.Attempt == 1);

        await store.CompleteAsync(leases[0], "{\"ok\":true}");
        var done = await store.GetAsync(high.Id);
        done!.Status.Should().Be(QueueTaskStatus.Completed);
        done.ResultJson.Should().Be("{\"ok\":true}");
        (await store.GetStatsAsync()).Queues["main"].Counts.Should().Be(new StatusCounts(0, 0, 2, 1, 0, 0));
    }

    [Fact]
    public async Task ListStatsAndPurge_ReadTheIndexes_InOneCallEach()
    {
        // A smoke test of the read scripts until the contract suite covers listing and purge.
        await using var store = CreateStore(RedisServerFixture.UniqueNamespace());
        var ids = (await store.EnqueueBatchAsync([new NewTask("l", "{}"), new NewTask("l", "{}") { Priority = 9 },
            new NewTask("m", "{}") { Delay = TimeSpan.FromHours(1) }])).Select(r => r.Id).ToArray();
        var lease = (await store.LeaseAsync("w", ["l"], 1, Lease))[0];
        await store.CompleteAsync(lease, null);

        var queued = await store.ListAsync(new TaskQuery(QueueTaskStatus.Queued));
        var all = await store.ListAsync(new TaskQuery(Limit: 2));
        var scheduled = await store.ListAsync(new TaskQuery(QueueTaskStatus.Scheduled, "m"));
        var stats = await store.GetStatsAsync();

        queued.Items.Select(t => (t.Id, t.QueuePosition)).Should().Equal((ids[0], (long?)1));
        all.Total.Should().Be(3);
        all.Items.Select(t => t.Id).Should().Equal(ids[2], ids[1]);
        scheduled.Items.Should().ContainSingle().Which.ScheduledFor.Should().NotBeNull();
        stats.Queues["l"].Counts.Should().Be(new StatusCounts(1, 0, 0, 1, 0, 0));
        stats.Queues["l"].CompletedTotal.Should().Be(1);
        stats.Queues["l"].AverageProcessingTime.Should().NotBeNull();
        stats.Totals.Total.Should().Be(3);

        // "Finished before now": the same millisecond as the completion is not yet before it.
        await Eventually.TrueAsync(async ct => await store.PurgeFinishedAsync(TimeSpan.Zero, cancellationToken: ct) == 1,
            TimeSpan.FromSeconds(5), "the completed task is older than now once a millisecond passed");
        (await store.GetAsync(ids[1])).Should().BeNull();
        (await store.GetStatsAsync()).Queues["l"].Counts.Completed.Should().Be(0);
    }

    [Fact]
    public async Task WaitForWork_IsWoken_ByAnEnqueueOnItsQueue()
    {
        await using var store = CreateStore(RedisServerFixture.UniqueNamespace());
        await store.WaitForWorkAsync(["wake"], TimeSpan.FromMilliseconds(1)); // subscribe first

        var waiting = store.WaitForWorkAsync(["wake"], TimeSpan.FromSeconds(10));
        await store.EnqueueAsync(new NewTask("wake", "{}"));

        (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Should().BeTrue();
    }

    [Fact]
    public async Task PurgeFinished_DeletesMoreThanOneScriptCallHolds_UpToMaxTasks()
    {
        // One script call purges at most 1,000 (RedisQueueStore.MaxTasksPerScript) so Redis is never
        // held for long; the C# loop must still honour maxTasks and go on until nothing is left.
        await using var store = CreateStore(RedisServerFixture.UniqueNamespace());
        var ids = (await store.EnqueueBatchAsync(Enumerable.Range(0, 2_500).Select(_ => new NewTask("purge", "{}")).ToArray()))
            .Select(r => r.Id).ToArray();
        await Task.WhenAll(ids.Select(id => store.CancelAsync(id)));
        await Eventually.TrueAsync(async ct => (await Server.TimeAsync()) > (await store.GetAsync(ids[^1], ct))!.CompletedAt!.Value.UtcDateTime.AddMilliseconds(2),
            TimeSpan.FromSeconds(5), "every cancel should be in the past");

        (await store.PurgeFinishedAsync(TimeSpan.Zero, maxTasks: 1_500)).Should().Be(1_500);
        (await store.PurgeFinishedAsync(TimeSpan.Zero)).Should().Be(1_000);
        (await store.PurgeFinishedAsync(TimeSpan.Zero)).Should().Be(0);
        (await store.GetStatsAsync()).Totals.Total.Should().Be(0);
    }

    [Fact]
    public async Task BatchEnqueue_OverOneScriptCall_StoresNothing_WhenALateTaskIsInvalid()
    {
        // Validation runs over the whole batch before the first chunk is sent.
        await using var store = CreateStore(RedisServerFixture.UniqueNamespace());
        var tasks = Enumerable.Range(0, 2_500).Select(_ => new NewTask("late", "{}")).ToArray();
        tasks[2_200] = tasks[2_200] with { Priority = 500 };

        var refusal = (await store.Invoking(s => s.EnqueueBatchAsync(tasks)).Should().ThrowAsync<QueueStoreException>()).Which;

        refusal.Error.Should().Be(StoreError.Invalid);
        refusal.Field.Should().Be("priority");
        (await store.GetStatsAsync()).Totals.Total.Should().Be(0);
    }

    [Fact]
    public async Task BatchEnqueue_OfTenThousand_KeepsListOrderAcrossScriptCalls()
    {
        await using var store = CreateStore(RedisServerFixture.UniqueNamespace());
        var tasks = Enumerable.Range(0, 10_000).Select(i => new NewTask("bulk", $"{{\"n\":{i}}}")).ToArray();
        var clock = Stopwatch.StartNew();

        var results = await store.EnqueueBatchAsync(tasks);

        output.WriteLine($"batch enqueue of 10000 tasks (first call, script load and JIT included): {clock.ElapsedMilliseconds} ms");
        // Ten script calls of 1,000 (RedisQueueStore.MaxTasksPerScript); positions run on across them.
        results.Select(r => r.QueuePosition).Should().Equal(Enumerable.Range(1, 10_000).Select(i => (long?)i));
        clock.Restart();
        await store.EnqueueBatchAsync(tasks.Select(t => t with { Type = "bulk2" }).ToArray());
        output.WriteLine($"batch enqueue of 10000 tasks (warm): {clock.ElapsedMilliseconds} ms");
        // Speed is measured in bench/, never asserted; this line is for a human reading the log.
        clock.Restart();
        var leased = 0;
        while (leased < 10_000)
        {
            var batch = await store.LeaseAsync("w", ["bulk"], 1000, Lease);
            foreach (var lease in batch) await store.CompleteAsync(lease, null);
            leased += batch.Count;
        }
        output.WriteLine($"lease (1000 per call) + complete of 10000 tasks: {clock.ElapsedMilliseconds} ms");
    }
}
