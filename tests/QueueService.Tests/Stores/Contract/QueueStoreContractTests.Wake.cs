namespace QueueService.Tests.Stores.Contract;

public abstract partial class QueueStoreContractTests
{
    [Fact]
    public async Task WaitForWork_ReturnsTruePromptly_WhenATaskIsEnqueuedOnAnIdleQueue()
    {
        var waiting = Store.WaitForWorkAsync([Beta, Alpha], TimeSpan.FromSeconds(30));

        await EnqueueAsync(Alpha);

        (await waiting.WaitAsync(TimeSpan.FromSeconds(1))).Should().BeTrue("an enqueue wakes waiters within milliseconds");
    }

    [Fact]
    public async Task WaitForWork_ReturnsAtOnce_WhenAQueueAlreadyHoldsWork()
    {
        // The enqueue's signal went out before anyone waited: a worker that leased nothing just
        // before this enqueue must not sleep through it until its fallback poll.
        await EnqueueAsync(Alpha);

        var woken = await Store.WaitForWorkAsync([Beta, Alpha], TimeSpan.FromSeconds(30)).WaitAsync(TimeSpan.FromSeconds(1));

        woken.Should().BeTrue("queued work is there already");
    }

    [Fact]
    public async Task WaitForWork_ReturnsTrueAtOnce_WhenMaxWaitIsZeroAndWorkIsQueued()
    {
        await EnqueueAsync(Alpha);

        var woken = await Store.WaitForWorkAsync([Alpha], TimeSpan.Zero).WaitAsync(TimeSpan.FromSeconds(1));

        woken.Should().BeTrue("a zero wait still looks: queued work is there");
    }

    [Fact]
    public async Task WaitForWork_ReturnsFalseAtOnce_WhenMaxWaitIsZeroAndNothingIsQueued()
    {
        var woken = await Store.WaitForWorkAsync([Alpha], TimeSpan.Zero).WaitAsync(TimeSpan.FromSeconds(1));

        woken.Should().BeFalse();
    }

    [Fact]
    public async Task WaitForWork_ReturnsTrue_WhenATaskIsReleasedBackToTheQueue()
    {
        var lease = await EnqueueAndLeaseAsync();
        var waiting = Store.WaitForWorkAsync([Alpha], TimeSpan.FromSeconds(30));

        await Store.ReleaseAsync(lease);

        (await waiting.WaitAsync(TimeSpan.FromSeconds(1))).Should().BeTrue();
    }

    [Fact]
    public async Task WaitForWork_ReturnsFalseAfterTheTimeout_WhenNothingComes()
    {
        var woken = await Store.WaitForWorkAsync([Alpha], TimeSpan.FromMilliseconds(200)).WaitAsync(Patience);

        woken.Should().BeFalse();
    }

    [Fact]
    public async Task WaitForWork_Throws_WhenCancelled()
    {
        using var cancel = new CancellationTokenSource();
        var waiting = Store.WaitForWorkAsync([Alpha], TimeSpan.FromSeconds(30), cancel.Token);

        await cancel.CancelAsync();

        await waiting.Invoking(w => w.WaitAsync(Patience)).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task WaitForWork_IsRefusedAsInvalid_WhenNoQueueIsGiven()
    {
        await AssertInvalidAsync("queues", () => Store.WaitForWorkAsync([], TimeSpan.FromSeconds(1)));
    }
}
