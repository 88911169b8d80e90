using QueueService.Stores;
using QueueService.Tests.Support;
using QueueService.Tasks;

namespace QueueService.Tests.Stores.Contract;

/// <summary>
/// The facts every <see cref="IQueueStore"/> must satisfy (docs/store-semantics.md), written once
/// and run against each store by a subclass that supplies only a factory. Each test gets a fresh,
/// empty store. Time is real (Redis time cannot be faked): leases and backoffs are short, and
/// anything that needs time to pass waits for a condition with a deadline (<see cref="Support.Eventually"/>).
/// </summary>
public abstract partial class QueueStoreContractTests : IAsyncLifetime
{
    /// <summary>The queue most facts use.</summary>
    protected const string Alpha = "alpha";
    /// <summary>A second queue, for multi-queue facts.</summary>
    protected const string Beta = "beta";
    /// <summary>A lease long enough never to expire during a test.</summary>
    protected static readonly TimeSpan LongLease = TimeSpan.FromSeconds(30);
    /// <summary>A lease short enough to expire quickly when a test wants it to.</summary>
    protected static readonly TimeSpan ShortLease = TimeSpan.FromMilliseconds(300);
    /// <summary>How long a condition may take before a fact fails: generous, for a loaded 2-core CI.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private IQueueStore? _store;

    /// <summary>The store under test, fresh for each test.</summary>
    protected IQueueStore Store => _store ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    /// <summary>The options the store was built with.</summary>
    protected QueueStoreOptions Options { get; } = new()
    {
        Backoff = new BackoffOptions
        {
            BaseDelay = TimeSpan.FromMilliseconds(50),
            MaxDelay = TimeSpan.FromMilliseconds(200),
            JitterFraction = 0,
        },
    };

    /// <summary>Builds the store under test: a fresh, empty one (its own namespace) per call.</summary>
    protected abstract Task<IQueueStore> CreateStoreAsync(StoreTestContext context);

    /// <inheritdoc/>
    public async Task InitializeAsync() => _store = await CreateStoreAsync(new StoreTestContext(Options));

    /// <summary>
    /// Replaces the store under test with a fresh, empty one built with <see cref="Options"/> changed by
    /// <paramref name="configure"/> (the old one is disposed), for the facts that need other options.
    /// </summary>
    protected async Task RecreateStoreAsync(Action<QueueStoreOptions> configure)
    {
        configure(Options);
        await DisposeAsync();
        _store = await CreateStoreAsync(new StoreTestContext(Options));
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        switch (_store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <summary>A valid submission.</summary>
    protected static NewTask Job(string type = Alpha, int priority = 0, string? id = null, int maxRetries = 3, string payload = "{}") =>
        new(type, payload) { Priority = priority, Id = id, MaxRetries = maxRetries };

    /// <summary>Enqueues a valid task and returns its id.</summary>
    protected async Task<string> EnqueueAsync(string type = Alpha, int priority = 0, string? id = null, int maxRetries = 3)
    {
        var result = await Store.EnqueueAsync(Job(type, priority, id, maxRetries));
        result.Created.Should().BeTrue();
        return result.Id;
    }

    /// <summary>Leases exactly one task from one queue.</summary>
    protected async Task<TaskLease> LeaseOneAsync(string type = Alpha, string worker = "worker-1", TimeSpan? lease = null)
    {
        var leases = await Store.LeaseAsync(worker, [type], 1, lease ?? LongLease);
        leases.Should().ContainSingle("a task was queued on {0}", type);
        return leases[0];
    }

    /// <summary>Enqueues one task and leases it.</summary>
    protected async Task<TaskLease> EnqueueAndLeaseAsync(string type = Alpha, int maxRetries = 3, TimeSpan? lease = null, string worker = "worker-1")
    {
        var id = await EnqueueAsync(type, maxRetries: maxRetries);
        var leased = await LeaseOneAsync(type, worker, lease);
        leased.TaskId.Should().Be(id);
        return leased;
    }

    /// <summary>Reads a task that must exist.</summary>
    protected async Task<QueueTask> GetRequiredAsync(string id)
    {
        var task = await Store.GetAsync(id);
        task.Should().NotBeNull("task {0} should exist", id);
        return task!;
    }

    /// <summary>Asserts a refusal: the error (and, for an illegal transition, the status it names) and that the task did not change at all.</summary>
    protected async Task<QueueStoreException> AssertRefusedAsync(string taskId, StoreError error, Func<Task> act)
    {
        var before = await GetRequiredAsync(taskId);

        var refusal = (await act.Should().ThrowAsync<QueueStoreException>()).Which;

        refusal.Error.Should().Be(error);
        refusal.TaskId.Should().Be(taskId);
        if (error == StoreError.IllegalTransition) refusal.CurrentStatus.Should().Be(before.Status);
        var after = await GetRequiredAsync(taskId);
        after.Should().BeEquivalentTo(before, "a refused operation must leave the task exactly as it was");
        return refusal;
    }

    /// <summary>Asserts an <see cref="StoreError.Invalid"/> refusal naming <paramref name="field"/>.</summary>
    protected static async Task AssertInvalidAsync(string field, Func<Task> act)
    {
        var refusal = (await act.Should().ThrowAsync<QueueStoreException>()).Which;
        refusal.Error.Should().Be(StoreError.Invalid);
        refusal.Field.Should().Be(field);
    }

    /// <summary>Waits (with a deadline) until the reaper takes back the task's expired lease, and returns what it reported.</summary>
    protected async Task<ReapedTask> ReapWhenExpiredAsync(string taskId)
    {
        var reaped = new List<ReapedTask>();
        await Eventually.TrueAsync(async ct =>
        {
            reaped.AddRange(await Store.ReapExpiredAsync(cancellationToken: ct));
            return reaped.Any(r => r.TaskId == taskId);
        }, Patience, $"the lease on {taskId} should expire and be reaped");
        return reaped.Single(r => r.TaskId == taskId);
    }

    /// <summary>Leases from a queue, waiting (with a deadline) until something is there: a retry backing off, a delayed task.</summary>
    protected async Task<TaskLease> LeaseWhenDueAsync(string type = Alpha, string worker = "worker-1")
    {
        var leases = await Eventually.MatchAsync(
            ct => Store.LeaseAsync(worker, [type], 1, LongLease, ct),
            found => found.Count == 1, Patience, $"a task should become leasable on {type}");
        return leases[0];
    }

    /// <summary>Fails a lease with an error that retries at once (no backoff).</summary>
    protected Task<FailOutcome> FailNowAsync(TaskLease lease, string message = "boom", bool retryable = true) =>
        Store.FailAsync(lease, new TaskFailure(message, IsRetryable: retryable, RetryDelay: TimeSpan.Zero));

    /// <summary>
    /// Waits (with a deadline) until the clock is past <paramref name="storeTime"/> by a few
    /// milliseconds, so the next change gets a later store time. Store time and this machine's clock
    /// agree for both stores (Redis runs locally in tests).
    /// </summary>
    protected static Task AMillisecondPassesAsync(DateTimeOffset storeTime) =>
        Eventually.TrueAsync(_ => Task.FromResult(DateTimeOffset.UtcNow > storeTime.AddMilliseconds(3)),
            Patience, "a few milliseconds should pass");
}
