using QueueService.Stores;
using QueueService.Tests.Support;

namespace QueueService.Tests.Stores.Contract;

public abstract partial class QueueStoreContractTests
{
    private static readonly TimeSpan LongTtl = TimeSpan.FromSeconds(30);

    /// <summary>A valid registration.</summary>
    protected static WorkerInfo Worker(string id = "worker-1", IReadOnlyList<string>? queues = null, IReadOnlyList<string>? current = null,
        int concurrency = 4) =>
        new(id, "host-a", 4242, queues ?? [Alpha, Beta], concurrency, current ?? [], new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero));

    [Fact]
    public async Task RegisterWorker_ListsTheWorkerWithItsFields_WhenRegistered()
    {
        var before = DateTimeOffset.UtcNow;

        await Store.RegisterWorkerAsync(Worker(current: ["t-1"]), LongTtl);

        var listed = (await Store.ListWorkersAsync()).Should().ContainSingle().Which;
        listed.WorkerId.Should().Be("worker-1");
        listed.Host.Should().Be("host-a");
        listed.ProcessId.Should().Be(4242);
        listed.Queues.Should().Equal(Alpha, Beta);
        listed.Concurrency.Should().Be(4);
        listed.CurrentTaskIds.Should().Equal("t-1");
        listed.StartedAt.Should().Be(new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero));
        listed.LastHeartbeatAt.Should().BeCloseTo(before, TimeSpan.FromSeconds(5), "the store stamps it from its own clock");
    }

    [Fact]
    public async Task RegisterWorker_IgnoresTheCallersHeartbeatTime_WhenOneIsSet()
    {
        await Store.RegisterWorkerAsync(Worker() with { LastHeartbeatAt = DateTimeOffset.UnixEpoch }, LongTtl);

        var listed = (await Store.ListWorkersAsync()).Should().ContainSingle().Which;
        listed.LastHeartbeatAt.Should().BeAfter(DateTimeOffset.UnixEpoch.AddYears(50), "only the store's clock sets it");
    }

    [Fact]
    public async Task RegisterWorker_UpdatesHeartbeatAndCurrentTasks_WhenRefreshed()
    {
        await Store.RegisterWorkerAsync(Worker(current: ["t-1"]), LongTtl);
        var first = (await Store.ListWorkersAsync()).Single();
        await AMillisecondPassesAsync(first.LastHeartbeatAt);

        await Store.RegisterWorkerAsync(Worker(current: ["t-2", "t-3"]), LongTtl);

        var refreshed = (await Store.ListWorkersAsync()).Should().ContainSingle("a refresh replaces the entry").Which;
        refreshed.CurrentTaskIds.Should().Equal("t-2", "t-3");
        refreshed.LastHeartbeatAt.Should().BeAfter(first.LastHeartbeatAt);
    }

    [Fact]
    public async Task UnregisterWorker_RemovesTheWorker_WhenRegistered()
    {
        await Store.RegisterWorkerAsync(Worker("worker-1"), LongTtl);
        await Store.RegisterWorkerAsync(Worker("worker-2"), LongTtl);

        await Store.UnregisterWorkerAsync("worker-1");

        (await Store.ListWorkersAsync()).Select(w => w.WorkerId).Should().Equal("worker-2");
    }

    [Fact]
    public async Task UnregisterWorker_DoesNothing_WhenTheIdIsUnknown()
    {
        await Store.RegisterWorkerAsync(Worker("worker-1"), LongTtl);

        await Store.UnregisterWorkerAsync("nobody");

        (await Store.ListWorkersAsync()).Select(w => w.WorkerId).Should().Equal("worker-1");
    }

    [Fact]
    public async Task ListWorkers_DropsAWorker_WhenItsTtlPassesWithoutARefresh()
    {
        // Long enough that a stalled call on a busy machine cannot expire it before the first list.
        await Store.RegisterWorkerAsync(Worker("short-lived"), TimeSpan.FromSeconds(2));
        await Store.RegisterWorkerAsync(Worker("long-lived"), LongTtl);
        (await Store.ListWorkersAsync()).Should().HaveCount(2);

        await Eventually.TrueAsync(async ct => (await Store.ListWorkersAsync(ct)).All(w => w.WorkerId != "short-lived"),
            Patience, "a worker that stops refreshing drops out after its ttl");

        (await Store.ListWorkersAsync()).Select(w => w.WorkerId).Should().Equal("long-lived");
    }

    [Fact]
    public async Task ListWorkers_OrdersById_WhateverTheRegistrationOrder()
    {
        await Store.RegisterWorkerAsync(Worker("worker-c"), LongTtl);
        await Store.RegisterWorkerAsync(Worker("worker-a"), TimeSpan.FromMinutes(5));
        await Store.RegisterWorkerAsync(Worker("Worker-B"), TimeSpan.FromSeconds(10));

        (await Store.ListWorkersAsync()).Select(w => w.WorkerId).Should().Equal("Worker-B", "worker-a", "worker-c");
    }

    [Fact]
    public async Task ListWorkers_ReturnsNothing_WhenNoWorkerRegistered()
    {
        (await Store.ListWorkersAsync()).Should().BeEmpty();
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public async Task RegisterWorker_IsRefusedAsInvalid_WhenTheWorkerIdIsEmpty(string id)
    {
        await AssertInvalidAsync("workerId", () => Store.RegisterWorkerAsync(Worker(id), LongTtl));
        (await Store.ListWorkersAsync()).Should().BeEmpty();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(3_600_001)]
    public async Task RegisterWorker_IsRefusedAsInvalid_WhenTheTtlIsOutOfRange(int ttlMs)
    {
        await AssertInvalidAsync("ttl", () => Store.RegisterWorkerAsync(Worker(), TimeSpan.FromMilliseconds(ttlMs)));
        (await Store.ListWorkersAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task RegisterWorker_IsRefusedAsInvalid_WhenAQueueNameIsBad()
    {
        await AssertInvalidAsync("queues", () => Store.RegisterWorkerAsync(Worker(queues: [Alpha, "Bad Queue!"]), LongTtl));
        (await Store.ListWorkersAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task RegisterWorker_IsRefusedAsInvalid_WhenConcurrencyIsBelowOne()
    {
        await AssertInvalidAsync("concurrency", () => Store.RegisterWorkerAsync(Worker(concurrency: 0), LongTtl));
    }

    [Fact]
    public async Task UnregisterWorker_IsRefusedAsInvalid_WhenTheWorkerIdIsEmpty()
    {
        await AssertInvalidAsync("workerId", () => Store.UnregisterWorkerAsync(""));
    }
}
