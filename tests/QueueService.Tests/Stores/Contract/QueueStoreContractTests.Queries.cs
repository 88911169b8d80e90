using QueueService.Stores;
using QueueService.Tests.Support;
using QueueService.Tasks;

namespace QueueService.Tests.Stores.Contract;

public abstract partial class QueueStoreContractTests
{
    [Fact]
    public async Task Get_ReturnsNull_WhenNoTaskHasTheId()
    {
        (await Store.GetAsync("never-enqueued")).Should().BeNull();
    }

    [Fact]
    public async Task GetCancelRetry_AreRefusedAsInvalid_WhenTheIdIsNullOrEmpty()
    {
        foreach (var id in new[] { null!, "" })
        {
            await AssertInvalidAsync("id", () => Store.GetAsync(id));
            await AssertInvalidAsync("id", () => Store.CancelAsync(id));
            await AssertInvalidAsync("id", () => Store.RetryAsync(id));
        }
    }

    [Fact]
    public async Task Get_ReportsPositionInItsOwnQueue_WhenQueued()
    {
        var a1 = await EnqueueAsync(Alpha);
        await EnqueueAsync(Beta, priority: 100);
        var a2 = await EnqueueAsync(Alpha);
        var a3 = await EnqueueAsync(Alpha, priority: 10);

        (await GetRequiredAsync(a3)).QueuePosition.Should().Be(1);
        (await GetRequiredAsync(a1)).QueuePosition.Should().Be(2, "the beta task is in another queue");
        (await GetRequiredAsync(a2)).QueuePosition.Should().Be(3);
    }

    [Fact]
    public async Task Get_ReportsNoEstimatedWait_WhenTheQueueHasNoCompletionYet()
    {
        var id = await EnqueueAsync();
        await Store.CompleteAsync(await EnqueueAndLeaseAsync(Beta), null);

        var task = await GetRequiredAsync(id);

        task.QueuePosition.Should().Be(1);
        task.EstimatedWait.Should().BeNull("only another queue has a history");
    }

    [Fact]
    public async Task Get_EstimatesTheWaitFromTheAverageAndProcessingCount_WhenTheQueueHasAHistory()
    {
        await Store.CompleteAsync(await EnqueueAndLeaseAsync(), null);
        var average = (await Store.GetStatsAsync()).Queues[Alpha].AverageProcessingTime;
        average.Should().NotBeNull();
        await EnqueueAndLeaseAsync(worker: "w1");
        await EnqueueAndLeaseAsync(worker: "w2");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await EnqueueAsync());

        var waits = new List<TimeSpan?>();
        foreach (var id in ids) waits.Add((await GetRequiredAsync(id)).EstimatedWait);

        var expected = Enumerable.Range(1, 3).Select(position => EtaEstimator.Estimate(position, average!.Value.TotalMilliseconds, processingNow: 2));
        waits.Should().Equal(expected, "two tasks are processing, so two slots serve the queue");
        (await Store.ListAsync(new TaskQuery(QueueTaskStatus.Queued))).Items.Select(t => t.EstimatedWait).Should().Equal(expected);
    }

    [Fact]
    public async Task Get_ReportsNoPosition_WhenNotQueued()
    {
        var lease = await EnqueueAndLeaseAsync();
        var scheduled = (await Store.EnqueueAsync(Job() with { Delay = TimeSpan.FromHours(1) })).Id;

        (await GetRequiredAsync(lease.TaskId)).QueuePosition.Should().BeNull();
        (await GetRequiredAsync(scheduled)).QueuePosition.Should().BeNull();
        (await GetRequiredAsync(scheduled)).EstimatedWait.Should().BeNull();
    }

    [Fact]
    public async Task List_OrdersQueuedByRunOrder_WithPositionsPerQueue()
    {
        var a1 = await EnqueueAsync(Alpha);
        var b1 = await EnqueueAsync(Beta, priority: 50);
        var a2 = await EnqueueAsync(Alpha, priority: 70);

        var all = await Store.ListAsync(new TaskQuery(QueueTaskStatus.Queued));
        var alpha = await Store.ListAsync(new TaskQuery(QueueTaskStatus.Queued, Alpha));

        all.Items.Select(t => (t.Id, t.QueuePosition)).Should().Equal((a2, 1L), (b1, 1L), (a1, 2L));
        all.Total.Should().Be(3);
        alpha.Items.Select(t => t.Id).Should().Equal(a2, a1);
        alpha.Total.Should().Be(2);
    }

    [Fact]
    public async Task List_OrdersScheduledByDueTimeAndProcessingByLeaseExpiry()
    {
        var late = (await Store.EnqueueAsync(Job() with { Delay = TimeSpan.FromHours(3) })).Id;
        var soon = (await Store.EnqueueAsync(Job() with { Delay = TimeSpan.FromHours(1) })).Id;
        var mid = (await Store.EnqueueAsync(Job() with { Delay = TimeSpan.FromHours(2) })).Id;
        var longer = await EnqueueAndLeaseAsync(lease: TimeSpan.FromMinutes(20));
        var shorter = await EnqueueAndLeaseAsync(lease: TimeSpan.FromMinutes(10));

        (await Store.ListAsync(new TaskQuery(QueueTaskStatus.Scheduled))).Items.Select(t => t.Id).Should().Equal(soon, mid, late);
        (await Store.ListAsync(new TaskQuery(QueueTaskStatus.Processing, Alpha))).Items.Select(t => t.Id)
            .Should().Equal(shorter.TaskId, longer.TaskId);
    }

    [Fact]
    public async Task List_OrdersFinishedNewestFirst()
    {
        for (var i = 0; i < 5; i++) await Store.CompleteAsync(await EnqueueAndLeaseAsync(), null);

        var page = await Store.ListAsync(new TaskQuery(QueueTaskStatus.Completed));

        page.Total.Should().Be(5);
        page.Items.Select(t => t.CompletedAt).Should().BeInDescendingOrder();
    }

    [Fact]
    public async Task List_OrdersAnyStatusNewestCreatedFirst_FilteredByType()
    {
        var ids = new List<string>();
        for (var i = 0; i < 4; i++) ids.Add(await EnqueueAsync(Alpha, priority: i * 10));
        await EnqueueAsync(Beta);
        await Store.CompleteAsync(await LeaseOneAsync(), null);

        var alpha = await Store.ListAsync(new TaskQuery(Type: Alpha));
        var everything = await Store.ListAsync(new TaskQuery());

        alpha.Items.Select(t => t.Id).Should().Equal(Enumerable.Reverse(ids));
        alpha.Total.Should().Be(4);
        everything.Total.Should().Be(5);
        everything.Items.Skip(1).Select(t => t.Id).Should().Equal(Enumerable.Reverse(ids));
    }

    [Fact]
    public async Task List_PagesByOffsetAndLimit_WithTheTotalOfAllMatches()
    {
        var ids = new List<string>();
        for (var i = 0; i < 7; i++) ids.Add(await EnqueueAsync());

        var page = await Store.ListAsync(new TaskQuery(QueueTaskStatus.Queued, Alpha, Offset: 2, Limit: 3));
        var tail = await Store.ListAsync(new TaskQuery(QueueTaskStatus.Queued, Alpha, Offset: 5, Limit: 3));
        var beyond = await Store.ListAsync(new TaskQuery(QueueTaskStatus.Queued, Alpha, Offset: 50, Limit: 3));
        var newest = await Store.ListAsync(new TaskQuery(Offset: 1, Limit: 2));

        page.Items.Select(t => t.Id).Should().Equal(ids.Skip(2).Take(3));
        page.Items.Select(t => t.QueuePosition).Should().Equal(3, 4, 5);
        page.Should().BeEquivalentTo(new { Total = 7L, Offset = 2, Limit = 3 });
        tail.Items.Select(t => t.Id).Should().Equal(ids.Skip(5));
        beyond.Items.Should().BeEmpty();
        beyond.Total.Should().Be(7);
        newest.Items.Select(t => t.Id).Should().Equal(ids[5], ids[4]);
    }

    [Theory]
    [InlineData("offset", -1, 10, null)]
    [InlineData("limit", 0, 0, null)]
    [InlineData("limit", 0, TaskLimits.MaxPageSize + 1, null)]
    [InlineData("type", 0, 10, "Bad Type")]
    public async Task List_IsRefusedAsInvalid_WhenTheQueryIsBad(string field, int offset, int limit, string? type)
    {
        await AssertInvalidAsync(field, () => Store.ListAsync(new TaskQuery(Type: type, Offset: offset, Limit: limit)));
    }

    [Fact]
    public async Task GetStats_CountsEveryStatusPerQueueAndLifetimeTotals()
    {
        await EnqueueAndLeaseAsync(Alpha);
        await Store.CompleteAsync(await EnqueueAndLeaseAsync(Alpha), null);
        await FailNowAsync(await EnqueueAndLeaseAsync(Beta, maxRetries: 0));
        await EnqueueAsync(Alpha);
        await Store.EnqueueAsync(Job(Alpha) with { Delay = TimeSpan.FromHours(1) });
        await Store.CancelAsync(await EnqueueAsync(Beta));
        await EnqueueAsync(Beta);

        var stats = await Store.GetStatsAsync();

        stats.Queues.Keys.Should().BeEquivalentTo(Alpha, Beta);
        stats.Queues[Alpha].Counts.Should().Be(new StatusCounts(1, 1, 1, 1, 0, 0));
        stats.Queues[Beta].Counts.Should().Be(new StatusCounts(1, 0, 0, 0, 1, 1));
        stats.Totals.Should().Be(new StatusCounts(2, 1, 1, 1, 1, 1));
        stats.Queues[Alpha].Should().BeEquivalentTo(new { EnqueuedTotal = 4L, CompletedTotal = 1L, FailedTotal = 0L });
        stats.Queues[Beta].Should().BeEquivalentTo(new { EnqueuedTotal = 3L, CompletedTotal = 0L, FailedTotal = 1L, AverageProcessingTime = (TimeSpan?)null });
        stats.Queues[Alpha].AverageProcessingTime.Should().NotBeNull();
        stats.At.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task GetStats_IsEmpty_WhenTheStoreIsNew()
    {
        var stats = await Store.GetStatsAsync();

        stats.Queues.Should().BeEmpty();
        stats.Totals.Should().Be(StatusCounts.Zero);
    }

    [Fact]
    public async Task GetStats_KeepsLifetimeTotals_WhenFinishedTasksArePurged()
    {
        await Store.CompleteAsync(await EnqueueAndLeaseAsync(), null);
        await FailNowAsync(await EnqueueAndLeaseAsync(maxRetries: 0));

        await Eventually.TrueAsync(async ct =>
        {
            await Store.PurgeFinishedAsync(TimeSpan.Zero, cancellationToken: ct);
            return (await Store.GetStatsAsync(ct)).Totals.Total == 0;
        }, Patience, "both finished tasks should be purged once a millisecond has passed");

        var alpha = (await Store.GetStatsAsync()).Queues[Alpha];
        alpha.Counts.Should().Be(StatusCounts.Zero);
        alpha.Should().BeEquivalentTo(new { EnqueuedTotal = 2L, CompletedTotal = 1L, FailedTotal = 1L });
    }
}
