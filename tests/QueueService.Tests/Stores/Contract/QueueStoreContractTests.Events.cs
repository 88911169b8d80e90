using QueueService.Stores;
using QueueService.Tasks;
using QueueService.Tests.Support;
using Xunit.Sdk;

namespace QueueService.Tests.Stores.Contract;

// Task events: every transition that applies publishes exactly its event, in order; a refused one,
// a heartbeat or an enqueue of an existing id publishes nothing. "Exactly" is proven with a sentinel:
// after the events a fact expects, it enqueues a task on another queue and the very next event must
// be that task's, so nothing was published in between.
public abstract partial class QueueStoreContractTests
{
    [Fact]
    public async Task Enqueue_PublishesQueued_WhenTheTaskIsCreated()
    {
        await using var events = await Store.SubscribeEventsAsync();

        var id = await EnqueueAsync();

        var task = await GetRequiredAsync(id);
        (await NextEventAsync(events)).Should().BeEquivalentTo(EventOf(TaskEventKind.Queued, task));
        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task Enqueue_PublishesScheduledWithTheDueTime_WhenDelayed()
    {
        await using var events = await Store.SubscribeEventsAsync();

        var result = await Store.EnqueueAsync(Job() with { Delay = TimeSpan.FromHours(1) });

        var task = await GetRequiredAsync(result.Id);
        var published = await NextEventAsync(events);
        published.Should().BeEquivalentTo(EventOf(TaskEventKind.Scheduled, task));
        published.ScheduledFor.Should().Be(task.CreatedAt + TimeSpan.FromHours(1));
        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task Enqueue_PublishesNothing_WhenTheIdExists()
    {
        var id = await EnqueueAsync(id: "same");
        await using var events = await Store.SubscribeEventsAsync();

        (await Store.EnqueueAsync(Job(id: id))).Created.Should().BeFalse();

        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task EnqueueBatch_PublishesOneQueuedPerTask_InListOrder()
    {
        await using var events = await Store.SubscribeEventsAsync();

        var results = await Store.EnqueueBatchAsync([Job(id: "b1"), Job(id: "b2", priority: 9), Job(id: "b3")]);

        var published = await NextEventsAsync(events, 3);
        published.Select(e => e.TaskId).Should().Equal("b1", "b2", "b3");
        published.Should().OnlyContain(e => e.Kind == TaskEventKind.Queued && e.Status == QueueTaskStatus.Queued && e.At == results[0].CreatedAt);
        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task Lease_PublishesStartedWithAttemptAndWorker()
    {
        var id = await EnqueueAsync();
        await using var events = await Store.SubscribeEventsAsync();

        var lease = await LeaseOneAsync(worker: "worker-7");

        var task = await GetRequiredAsync(id);
        (await NextEventAsync(events)).Should().BeEquivalentTo(
            EventOf(TaskEventKind.Started, task, attempt: 1, worker: "worker-7") with { LeaseToken = lease.LeaseToken },
            "a started event carries the lease token, for the API's redo log");
        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task Lease_PublishesQueuedForEachPromotedTask_BeforeStarted()
    {
        var result = await Store.EnqueueAsync(Job() with { Delay = TimeSpan.FromMilliseconds(1) });
        await AMillisecondPassesAsync(result.CreatedAt);
        await using var events = await Store.SubscribeEventsAsync();

        var lease = await LeaseOneAsync();

        var task = await GetRequiredAsync(result.Id);
        (await NextEventsAsync(events, 2)).Should().BeEquivalentTo(
            [
                EventOf(TaskEventKind.Queued, task) with { Status = QueueTaskStatus.Queued },
                EventOf(TaskEventKind.Started, task, attempt: 1, worker: "worker-1") with { LeaseToken = lease.LeaseToken },
            ], o => o.WithStrictOrdering());
        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task ReportProgress_PublishesPercentAndMessageButNotDetails()
    {
        var lease = await EnqueueAndLeaseAsync();
        await using var events = await Store.SubscribeEventsAsync();

        await Store.ReportProgressAsync(lease, new TaskProgress(140, "chunk 3 of 10", """{"chunk":3}"""));
        await Store.ReportProgressAsync(lease, new TaskProgress(50));

        var task = await GetRequiredAsync(lease.TaskId);
        var published = await NextEventsAsync(events, 2);
        published[0].Should().BeEquivalentTo(EventOf(TaskEventKind.Progress, task, 1, "worker-1") with
        {
            At = published[0].At, Progress = new TaskProgress(100, "chunk 3 of 10"),
        });
        published[1].Should().BeEquivalentTo(EventOf(TaskEventKind.Progress, task, 1, "worker-1") with { Progress = new TaskProgress(50) });
        published[0].At.Should().BeOnOrBefore(published[1].At);
        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task Complete_PublishesCompleted()
    {
        var lease = await EnqueueAndLeaseAsync();
        await using var events = await Store.SubscribeEventsAsync();

        await Store.CompleteAsync(lease, """{"ok":true}""");

        var task = await GetRequiredAsync(lease.TaskId);
        (await NextEventAsync(events)).Should().BeEquivalentTo(EventOf(TaskEventKind.Completed, task, 1, "worker-1"));
        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task Fail_PublishesRetriedWithErrorAndDueTime_WhenARetryIsScheduled()
    {
        var lease = await EnqueueAndLeaseAsync();
        await using var events = await Store.SubscribeEventsAsync();

        var outcome = await Store.FailAsync(lease, new TaskFailure("transient", RetryDelay: TimeSpan.FromMinutes(5)));

        var task = await GetRequiredAsync(lease.TaskId);
        var published = await NextEventAsync(events);
        published.Should().BeEquivalentTo(EventOf(TaskEventKind.Retried, task, 1, "worker-1", error: "transient"));
        published.Status.Should().Be(QueueTaskStatus.Scheduled);
        published.ScheduledFor.Should().Be(outcome.RetryAt);
        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task Fail_PublishesFailed_WhenNoRetryRemains()
    {
        var lease = await EnqueueAndLeaseAsync(maxRetries: 0);
        await using var events = await Store.SubscribeEventsAsync();

        await FailNowAsync(lease, "fatal");

        var task = await GetRequiredAsync(lease.TaskId);
        (await NextEventAsync(events)).Should().BeEquivalentTo(EventOf(TaskEventKind.Failed, task, 1, "worker-1", error: "fatal"));
        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task CancelThenFail_PublishesCancelRequestedThenCancelled_WhenTheTaskWasProcessing()
    {
        var lease = await EnqueueAndLeaseAsync();
        await using var events = await Store.SubscribeEventsAsync();

        (await Store.CancelAsync(lease.TaskId)).Should().Be(CancelOutcome.CancelRequested);
        var requested = await GetRequiredAsync(lease.TaskId);
        await FailNowAsync(lease, "stopped");

        var cancelled = await GetRequiredAsync(lease.TaskId);
        (await NextEventsAsync(events, 2)).Should().BeEquivalentTo(
            [
                EventOf(TaskEventKind.CancelRequested, requested, 1, "worker-1"),
                EventOf(TaskEventKind.Cancelled, cancelled, 1, "worker-1", error: "stopped"),
            ], o => o.WithStrictOrdering());
        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task Cancel_PublishesCancelled_WhenTheTaskWasQueued()
    {
        var id = await EnqueueAsync();
        await using var events = await Store.SubscribeEventsAsync();

        await Store.CancelAsync(id);

        (await NextEventAsync(events)).Should().BeEquivalentTo(EventOf(TaskEventKind.Cancelled, await GetRequiredAsync(id)));
        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task ConfirmCancel_PublishesCancelled()
    {
        var lease = await EnqueueAndLeaseAsync();
        await Store.CancelAsync(lease.TaskId);
        await using var events = await Store.SubscribeEventsAsync();

        await Store.ConfirmCancelAsync(lease);

        var task = await GetRequiredAsync(lease.TaskId);
        (await NextEventAsync(events)).Should().BeEquivalentTo(EventOf(TaskEventKind.Cancelled, task, 1, "worker-1"));
        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task Release_PublishesQueuedNamingTheAttemptHandedBack()
    {
        var lease = await EnqueueAndLeaseAsync();
        await using var events = await Store.SubscribeEventsAsync();

        await Store.ReleaseAsync(lease);

        var task = await GetRequiredAsync(lease.TaskId);
        task.Attempts.Should().Be(0, "a handed-back attempt does not count");
        (await NextEventAsync(events)).Should().BeEquivalentTo(EventOf(TaskEventKind.Queued, task, 1, "worker-1"));
        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task Retry_PublishesRetriedWithStatusQueued_WhenTheTaskFailed()
    {
        var lease = await EnqueueAndLeaseAsync(maxRetries: 0);
        await FailNowAsync(lease);
        await using var events = await Store.SubscribeEventsAsync();

        await Store.RetryAsync(lease.TaskId);

        var task = await GetRequiredAsync(lease.TaskId);
        (await NextEventAsync(events)).Should().BeEquivalentTo(EventOf(TaskEventKind.Retried, task));
        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task PromoteDue_PublishesQueued_WhenAScheduledTaskIsDue()
    {
        var result = await Store.EnqueueAsync(Job() with { Delay = TimeSpan.FromMilliseconds(1) });
        await AMillisecondPassesAsync(result.CreatedAt);
        await using var events = await Store.SubscribeEventsAsync();

        (await Store.PromoteDueAsync()).Should().Be(1);

        (await NextEventAsync(events)).Should().BeEquivalentTo(EventOf(TaskEventKind.Queued, await GetRequiredAsync(result.Id)));
        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task ReapExpired_PublishesQueuedWithTheLeaseExpiredError_WhenAttemptsRemain()
    {
        var lease = await EnqueueAndLeaseAsync(lease: ShortLease, worker: "lost-worker");
        await using var events = await Store.SubscribeEventsAsync();

        await ReapWhenExpiredAsync(lease.TaskId);

        var task = await GetRequiredAsync(lease.TaskId);
        (await NextEventAsync(events)).Should().BeEquivalentTo(
            EventOf(TaskEventKind.Queued, task, 1, "lost-worker", error: TaskLimits.LeaseExpiredMessage("lost-worker")));
        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task ReapExpired_PublishesFailed_WhenNoAttemptRemains()
    {
        var lease = await EnqueueAndLeaseAsync(maxRetries: 0, lease: ShortLease, worker: "lost-worker");
        await using var events = await Store.SubscribeEventsAsync();

        await ReapWhenExpiredAsync(lease.TaskId);

        var task = await GetRequiredAsync(lease.TaskId);
        (await NextEventAsync(events)).Should().BeEquivalentTo(
            EventOf(TaskEventKind.Failed, task, 1, "lost-worker", error: TaskLimits.LeaseExpiredMessage("lost-worker")));
        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task Transitions_PublishNothing_WhenRefusedOrOnlyAHeartbeat()
    {
        var lease = await EnqueueAndLeaseAsync();
        await Store.CompleteAsync(lease, null);
        var other = await EnqueueAndLeaseAsync();
        await using var events = await Store.SubscribeEventsAsync();

        await Store.HeartbeatAsync(other, LongLease);
        await Store.Invoking(s => s.CompleteAsync(lease, null)).Should().ThrowAsync<QueueStoreException>();
        await Store.Invoking(s => s.CancelAsync(lease.TaskId)).Should().ThrowAsync<QueueStoreException>();
        await Store.Invoking(s => s.RetryAsync(other.TaskId)).Should().ThrowAsync<QueueStoreException>();
        await Store.PromoteDueAsync();
        await Store.ReapExpiredAsync();

        await AssertNothingElseAsync(events);
    }

    [Fact]
    public async Task Subscribers_EachReceiveTheWholeLifecycleInOrder_WhenTwoListen()
    {
        await using var first = await Store.SubscribeEventsAsync();
        await using var second = await Store.SubscribeEventsAsync();
        var expected = new List<TaskEvent>();

        var id = await EnqueueAsync();
        expected.Add(EventOf(TaskEventKind.Queued, await GetRequiredAsync(id)));
        var lease = await LeaseOneAsync();
        expected.Add(EventOf(TaskEventKind.Started, await GetRequiredAsync(id), 1, "worker-1") with { LeaseToken = lease.LeaseToken });
        await Store.ReportProgressAsync(lease, new TaskProgress(40, "half-way"));
        expected.Add(EventOf(TaskEventKind.Progress, await GetRequiredAsync(id), 1, "worker-1") with { Progress = new TaskProgress(40, "half-way") });
        await FailNowAsync(lease, "flaky");
        expected.Add(EventOf(TaskEventKind.Retried, await GetRequiredAsync(id), 1, "worker-1", error: "flaky"));
        var again = await LeaseWhenDueAsync();
        var running = await GetRequiredAsync(id);
        expected.Add(EventOf(TaskEventKind.Queued, running) with { Status = QueueTaskStatus.Queued });
        expected.Add(EventOf(TaskEventKind.Started, running, 2, "worker-1") with { LeaseToken = again.LeaseToken });
        await Store.CompleteAsync(again, null);
        expected.Add(EventOf(TaskEventKind.Completed, await GetRequiredAsync(id), 2, "worker-1"));

        foreach (var subscription in new[] { first, second })
        {
            (await NextEventsAsync(subscription, expected.Count)).Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
        }
        await AssertNothingElseAsync(first, second);
    }

    [Fact]
    public async Task Subscription_DropsTheOldestAndCountsThem_WhenItsReaderFallsBehind()
    {
        await using var slow = await Store.SubscribeEventsAsync(capacity: 2);
        await using var fast = await Store.SubscribeEventsAsync();

        for (var i = 1; i <= 5; i++) await EnqueueAsync(id: $"t{i}");

        (await NextEventsAsync(fast, 5)).Select(e => e.TaskId).Should().Equal("t1", "t2", "t3", "t4", "t5");
        await Eventually.TrueAsync(_ => Task.FromResult(slow.DroppedCount == 3), Patience, "the slow feed should drop the 3 oldest of 5 events");
        (await NextEventsAsync(slow, 2)).Select(e => e.TaskId).Should().Equal(["t4", "t5"], "the newest events are kept");
        fast.DroppedCount.Should().Be(0);
    }

    [Fact]
    public async Task Subscription_Ends_WhenDisposed()
    {
        var ended = await Store.SubscribeEventsAsync();
        await using var other = await Store.SubscribeEventsAsync();

        await ended.DisposeAsync();
        var id = await EnqueueAsync();

        using var deadline = new CancellationTokenSource(Patience);
        (await ended.Reader.WaitToReadAsync(deadline.Token)).Should().BeFalse("a disposed feed completes");
        (await NextEventAsync(other)).TaskId.Should().Be(id, "the other feed is unaffected");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(TaskEventSubscription.MaxCapacity + 1)]
    public async Task SubscribeEvents_IsRefusedAsInvalid_WhenCapacityIsOutOfRange(int capacity)
    {
        await AssertInvalidAsync("capacity", () => Store.SubscribeEventsAsync(capacity));
    }

    /// <summary>The event a change to <paramref name="task"/> (read right after it) should publish.</summary>
    protected static TaskEvent EventOf(TaskEventKind kind, QueueTask task, int? attempt = null, string? worker = null, string? error = null) => new()
    {
        Kind = kind,
        TaskId = task.Id,
        Queue = task.Type,
        Status = task.Status,
        At = task.UpdatedAt,
        Attempt = attempt,
        WorkerId = worker,
        Error = error,
        Progress = kind == TaskEventKind.Progress ? task.Progress : null,
        ScheduledFor = task.Status == QueueTaskStatus.Scheduled ? task.ScheduledFor : null,
    };

    /// <summary>The next event, or a failure after <see cref="Patience"/>.</summary>
    protected static async Task<TaskEvent> NextEventAsync(TaskEventSubscription subscription)
    {
        using var deadline = new CancellationTokenSource(Patience);
        try
        {
            return await subscription.Reader.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new XunitException($"No task event arrived within {Patience.TotalSeconds:0} s.");
        }
    }

    /// <summary>The next <paramref name="count"/> events.</summary>
    protected static async Task<List<TaskEvent>> NextEventsAsync(TaskEventSubscription subscription, int count)
    {
        var events = new List<TaskEvent>(count);
        for (var i = 0; i < count; i++) events.Add(await NextEventAsync(subscription));
        return events;
    }

    /// <summary>Proves no event is pending on any of the feeds: a sentinel enqueued on another queue must be the very next event of each.</summary>
    protected async Task AssertNothingElseAsync(params TaskEventSubscription[] subscriptions)
    {
        var sentinel = await Store.EnqueueAsync(Job(Beta));
        foreach (var subscription in subscriptions)
        {
            var next = await NextEventAsync(subscription);
            next.TaskId.Should().Be(sentinel.Id, "no event other than the sentinel's should be pending, but {0} was", next);
        }
    }
}
