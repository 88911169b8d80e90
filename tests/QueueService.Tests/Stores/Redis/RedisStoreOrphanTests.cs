using Microsoft.Extensions.Logging;
using QueueService.Stores;
using QueueService.Stores.Redis;
using QueueService.Tasks;
using QueueService.Tests.Fixtures;
using QueueService.Tests.Support;
using StackExchange.Redis;

namespace QueueService.Tests.Stores.Redis;

/// <summary>
/// Index entries whose task hash is gone (evicted under an <c>allkeys-*</c> policy, deleted by hand)
/// and the server check that warns about eviction. Redis-only: the in-memory store keeps its tasks
/// and indexes under one lock in one process, so it cannot lose a task behind an index's back.
/// The damage is planted with plain commands on the test's own namespace.
/// </summary>
public sealed class RedisStoreOrphanTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const string Orphan = "orphan-id";
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private readonly ListLogger<RedisQueueStore> _log = new();

    private IDatabase Db => redis.Connection.GetDatabase();

    private RedisQueueStore CreateStore(string ns) => redis.CreateStore(ns, logger: _log);

    /// <summary>Plants an id with no task hash in a status index (global and per queue) and in <c>all</c>.</summary>
    private async Task PlantOrphanAsync(RedisQueueStore store, string status, string queue, double score)
    {
        var p = store.KeyPrefix;
        await Db.SortedSetAddAsync(p + "s:" + status, Orphan, score);
        await Db.SortedSetAddAsync(p + "s:" + status + ":" + queue, Orphan, score);
        await Db.SortedSetAddAsync(p + "all", Orphan, 0);
        await Db.SortedSetAddAsync(p + "all:" + queue, Orphan, 0);
    }

    private async Task AssertOrphanGoneAsync(RedisQueueStore store, string queue)
    {
        var p = store.KeyPrefix;
        foreach (var status in new[] { "queued", "scheduled", "processing", "completed", "failed", "cancelled" })
        {
            (await Db.SortedSetScoreAsync(p + "s:" + status, Orphan)).Should().BeNull("the orphan leaves s:{0}", status);
            (await Db.SortedSetScoreAsync(p + "s:" + status + ":" + queue, Orphan)).Should().BeNull("the orphan leaves s:{0}:{1}", status, queue);
        }
        (await Db.SortedSetScoreAsync(p + "all", Orphan)).Should().BeNull();
        (await Db.SortedSetScoreAsync(p + "all:" + queue, Orphan)).Should().BeNull();
        (await Db.KeyExistsAsync(p + "t:" + Orphan)).Should().BeFalse("no stub hash is written for an orphan");
        _log.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Properties.ContainsKey("Orphans"),
            "removing orphans is logged as a warning with their count");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Lease_SkipsAndRemovesAnOrphan_AtTheHeadOfAQueuedIndex(bool severalQueues)
    {
        await using var store = CreateStore(RedisServerFixture.UniqueNamespace());
        var first = await store.EnqueueAsync(new NewTask("q", "{}"));
        var second = await store.EnqueueAsync(new NewTask("q", "{}"));
        await PlantOrphanAsync(store, "queued", "q", 0); // score 0: ahead of every real task

        var leases = await store.LeaseAsync("w", severalQueues ? ["r", "q"] : ["q"], 2, Lease);

        leases.Select(l => l.TaskId).Should().Equal(first.Id, second.Id);
        await AssertOrphanGoneAsync(store, "q");
        (await store.LeaseAsync("w", ["q"], 1, Lease)).Should().BeEmpty("the orphan is not leased later either");
    }

    [Fact]
    public async Task Lease_SkipsAndRemovesAnOrphan_InTheScheduledIndex()
    {
        await using var store = CreateStore(RedisServerFixture.UniqueNamespace());
        var good = await store.EnqueueAsync(new NewTask("q", "{}"));
        await PlantOrphanAsync(store, "scheduled", "q", 0); // due long ago: the lease promotes it first

        var leases = await store.LeaseAsync("w", ["q"], 5, Lease);

        leases.Should().ContainSingle().Which.TaskId.Should().Be(good.Id);
        await AssertOrphanGoneAsync(store, "q");
    }

    [Fact]
    public async Task PromoteDue_SkipsAndRemovesAnOrphan_InTheScheduledIndex()
    {
        await using var store = CreateStore(RedisServerFixture.UniqueNamespace());
        var later = await store.EnqueueAsync(new NewTask("q", "{}") { Delay = TimeSpan.FromHours(1) });
        await PlantOrphanAsync(store, "scheduled", "q", 0);

        (await store.PromoteDueAsync()).Should().Be(0, "an orphan is removed, not promoted");

        (await store.GetAsync(later.Id))!.Status.Should().Be(QueueTaskStatus.Scheduled);

        await AssertOrphanGoneAsync(store, "q");
    }

    [Fact]
    public async Task ReapExpired_SkipsAndRemovesAnOrphan_InTheProcessingIndex()
    {
        await using var store = CreateStore(RedisServerFixture.UniqueNamespace());
        await store.EnqueueAsync(new NewTask("q", "{}"));
        var lease = (await store.LeaseAsync("w", ["q"], 1, TimeSpan.FromMilliseconds(1)))[0];
        await PlantOrphanAsync(store, "processing", "q", 0); // expired long ago

        var reaped = new List<ReapedTask>();
        await Eventually.TrueAsync(async ct =>
        {
            reaped.AddRange(await store.ReapExpiredAsync(cancellationToken: ct));
            return reaped.Any(r => r.TaskId == lease.TaskId);
        }, TimeSpan.FromSeconds(10), "the 1 ms lease should expire and be reaped");

        reaped.Should().ContainSingle().Which.NewStatus.Should().Be(QueueTaskStatus.Queued);
        await AssertOrphanGoneAsync(store, "q");
    }

    [Fact]
    public async Task PurgeFinished_SkipsAndRemovesAnOrphan_InAFinishedIndex()
    {
        await using var store = CreateStore(RedisServerFixture.UniqueNamespace());
        var done = await store.EnqueueAsync(new NewTask("q", "{}"));
        await store.CompleteAsync((await store.LeaseAsync("w", ["q"], 1, Lease))[0], null);
        await PlantOrphanAsync(store, "completed", "q", 0);

        await Eventually.TrueAsync(async ct =>
        {
            await store.PurgeFinishedAsync(TimeSpan.Zero, cancellationToken: ct);
            return await store.GetAsync(done.Id, ct) is null;
        }, TimeSpan.FromSeconds(10), "the completed task is purged once a millisecond passed");

        await AssertOrphanGoneAsync(store, "q");
    }

    [Fact]
    public async Task CheckServer_WarnsAndAnswersFalse_WhenTheServerMayEvictKeys()
    {
        await using var store = CreateStore(RedisServerFixture.UniqueNamespace());
        var server = redis.Connection.GetServer(redis.Connection.GetEndPoints()[0]);
        var original = (await server.ConfigGetAsync("maxmemory-policy")).Single().Value;
        (await store.CheckServerAsync()).Should().Be(original == "noeviction");

        // Harmless to tests running beside this one: with no maxmemory set nothing is ever evicted.
        await server.ConfigSetAsync("maxmemory-policy", "allkeys-lru");
        try
        {
            (await store.CheckServerAsync()).Should().BeFalse();
        }
        finally
        {
            await server.ConfigSetAsync("maxmemory-policy", original);
        }

        _log.Entries.Should().Contain(e => e.Level == LogLevel.Warning && Equals(e.Properties.GetValueOrDefault("Policy"), "allkeys-lru"));
    }
}
