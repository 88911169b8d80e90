using QueueService.Stores;
using QueueService.Tasks;

namespace QueueService.Tests.Stores.Contract;

public abstract partial class QueueStoreContractTests
{
    public static TheoryData<string, NewTask> InvalidSubmissions()
    {
        var payload = new string('x', 1024);
        return new TheoryData<string, NewTask>
        {
            { "priority", Job(priority: -1) },
            { "priority", Job(priority: 101) },
            { "type", Job(type: "Upper-Case") },
            { "type", Job(type: "") },
            { "type", Job(type: "has space") },
            { "type", Job(type: new string('a', 65)) },
            { "id", Job(id: "") },
            { "id", Job(id: "has/slash") },
            { "id", Job(id: new string('a', TaskLimits.MaxIdLength + 1)) },
            { "maxRetries", Job(maxRetries: -1) },
            { "maxRetries", Job(maxRetries: TaskLimits.MaxMaxRetries + 1) },
            { "payload", new NewTask(Alpha, null!) },
            { "delay", Job() with { Delay = TimeSpan.FromSeconds(-1) } },
            { "delay", Job() with { Delay = TimeSpan.FromSeconds(1), RunAt = DateTimeOffset.UtcNow.AddMinutes(1) } },
            { "createdAt", Job() with { CreatedAt = DateTimeOffset.UnixEpoch } },
            // The suite's options keep the default 1 MiB limit; this payload is just over it.
            { "payload", Job(payload: "\"" + string.Concat(Enumerable.Repeat(payload, 1024)) + "\"") },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidSubmissions))]
    public async Task Enqueue_IsRefusedAsInvalidAndStoresNothing_WhenAFieldBreaksItsRule(string field, NewTask task)
    {
        await AssertInvalidAsync(field, () => Store.EnqueueAsync(task));

        var page = await Store.ListAsync(new TaskQuery());
        page.Total.Should().Be(0, "a refused submission stores nothing");
        (await Store.GetStatsAsync()).Totals.Total.Should().Be(0);
    }

    [Fact]
    public async Task Enqueue_RoundsTheDelayUpToTheNextMillisecond_WhenItHasAFraction()
    {
        // "No sooner than": a due time is never earlier than asked for.
        var delay = TimeSpan.FromHours(1) + TimeSpan.FromTicks(1);

        var result = await Store.EnqueueAsync(Job() with { Delay = delay });

        var task = await GetRequiredAsync(result.Id);
        (task.ScheduledFor - task.CreatedAt).Should().Be(TimeSpan.FromHours(1) + TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Enqueue_QueuesTheTaskWithItsFields_WhenValid()
    {
        var result = await Store.EnqueueAsync(new NewTask(Alpha, "{\"n\":1}") { Priority = 7, MaxRetries = 5 });

        result.Created.Should().BeTrue();
        result.Status.Should().Be(QueueTaskStatus.Queued);
        result.QueuePosition.Should().Be(1);
        result.EstimatedWait.Should().BeNull("the queue has no completion yet");
        Guid.TryParse(result.Id, out var id).Should().BeTrue("a store-made id is a GUID");
        id.Version.Should().Be(7);
        var task = await GetRequiredAsync(result.Id);
        task.Should().BeEquivalentTo(new
        {
            Id = result.Id, Type = Alpha, PayloadJson = "{\"n\":1}", Priority = 7, MaxRetries = 5, Attempts = 0,
            Status = QueueTaskStatus.Queued, QueuePosition = 1L, CreatedAt = result.CreatedAt, UpdatedAt = result.CreatedAt,
        });
        (task.CreatedAt.UtcTicks % TimeSpan.TicksPerMillisecond).Should().Be(0, "store times have millisecond precision");
        task.StartedAt.Should().BeNull();
        task.CompletedAt.Should().BeNull();
        task.ScheduledFor.Should().BeNull();
        task.WorkerId.Should().BeNull();
        task.ErrorHistory.Should().BeEmpty();
    }

    [Fact]
    public async Task Enqueue_UsesTheGivenId_WhenOneIsGiven()
    {
        var result = await Store.EnqueueAsync(Job(id: "my-task.1"));

        result.Id.Should().Be("my-task.1");
        (await GetRequiredAsync("my-task.1")).Status.Should().Be(QueueTaskStatus.Queued);
    }

    [Fact]
    public async Task Enqueue_KeepsTheGivenCreationTime_WhenATaskMovesFromAnotherStore()
    {
        var acceptedAt = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 90_000);
        var ahead = await EnqueueAsync(Alpha);

        var result = await Store.EnqueueAsync(Job(id: "moved") with { CreatedAt = acceptedAt });

        result.CreatedAt.Should().Be(acceptedAt);
        var task = await GetRequiredAsync("moved");
        task.CreatedAt.Should().Be(acceptedAt);
        task.UpdatedAt.Should().BeAfter(acceptedAt, "the enqueue itself happened now");
        task.QueuePosition.Should().Be(2, "an older creation time does not move the task ahead of {0}", ahead);
    }

    [Fact]
    public async Task Enqueue_ChangesNothingAndAnswersCreatedFalse_WhenTheIdExists()
    {
        await Store.EnqueueAsync(Job(id: "dup", priority: 1));
        var lease = await LeaseOneAsync();
        var before = await GetRequiredAsync("dup");

        var again = await Store.EnqueueAsync(new NewTask(Beta, "{\"other\":true}") { Id = "dup", Priority = 99 });

        again.Created.Should().BeFalse();
        again.Id.Should().Be("dup");
        again.Status.Should().Be(QueueTaskStatus.Processing, "it reports the existing task's status");
        again.CreatedAt.Should().Be(before.CreatedAt);
        (await GetRequiredAsync("dup")).Should().BeEquivalentTo(before);
        (await Store.ListAsync(new TaskQuery())).Total.Should().Be(1);
        lease.TaskId.Should().Be("dup");
    }

    [Fact]
    public async Task Enqueue_SchedulesTheTask_WhenDelayedOrRunAtIsInTheFuture()
    {
        var delayed = await Store.EnqueueAsync(Job() with { Delay = TimeSpan.FromHours(1) });
        var at = DateTimeOffset.UtcNow.AddHours(2);
        var runAt = await Store.EnqueueAsync(Job() with { RunAt = at });

        delayed.Status.Should().Be(QueueTaskStatus.Scheduled);
        delayed.QueuePosition.Should().BeNull();
        runAt.Status.Should().Be(QueueTaskStatus.Scheduled);
        var delayedTask = await GetRequiredAsync(delayed.Id);
        delayedTask.ScheduledFor.Should().Be(delayedTask.CreatedAt + TimeSpan.FromHours(1));
        (await GetRequiredAsync(runAt.Id)).ScheduledFor.Should().Be(DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds()));
        (await Store.LeaseAsync("worker-1", [Alpha], 10, LongLease)).Should().BeEmpty("nothing is due yet");
    }

    [Fact]
    public async Task Enqueue_QueuesAtOnce_WhenRunAtIsPastOrDelayIsZero()
    {
        var past = await Store.EnqueueAsync(Job() with { RunAt = DateTimeOffset.UtcNow.AddMinutes(-5) });
        var zero = await Store.EnqueueAsync(Job() with { Delay = TimeSpan.Zero });

        past.Status.Should().Be(QueueTaskStatus.Queued);
        zero.Status.Should().Be(QueueTaskStatus.Queued);
        (await Store.LeaseAsync("worker-1", [Alpha], 10, LongLease)).Select(l => l.TaskId).Should().Equal(past.Id, zero.Id);
    }

    [Fact]
    public async Task EnqueueBatch_StoresNothing_WhenAnyTaskIsInvalid()
    {
        var batch = new[] { Job(id: "a"), Job(id: "b"), Job(id: "c", priority: 500) };

        await AssertInvalidAsync("priority", () => Store.EnqueueBatchAsync(batch));

        (await Store.GetAsync("a")).Should().BeNull("the batch is all or nothing");
        (await Store.GetAsync("b")).Should().BeNull();
        (await Store.ListAsync(new TaskQuery())).Total.Should().Be(0);
    }

    [Fact]
    public async Task EnqueueBatch_AnswersOneResultPerTaskInOrder_WithExistingIdsNotCreated()
    {
        await EnqueueAsync(id: "old");

        var results = await Store.EnqueueBatchAsync([Job(id: "n1"), Job(id: "old"), Job(id: "n2")]);

        results.Select(r => (r.Id, r.Created)).Should().Equal(("n1", true), ("old", false), ("n2", true));
        results.Select(r => r.QueuePosition).Should().Equal(2, 1, 3);
        (await Store.ListAsync(new TaskQuery())).Total.Should().Be(3);
    }
}
