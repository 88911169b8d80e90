using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Tasks;
using QueueService.Tests.Support;

namespace QueueService.Tests.Workers;

/// <summary>The worker's hot path: a slot's completion and the lease that fills it again go in one store call.</summary>
public sealed class QueueWorkerServiceRoundTripTests
{
    [Fact]
    public async Task Execute_RecordsEachCompletionWithTheNextLease_InOneCall()
    {
        var store = CallCounter.Wrap(new InMemoryQueueStore(WorkerHarness.NoBackoffStoreOptions(), TimeProvider.System), out var calls);
        var handler = new DelegateHandler(WorkerHarness.Queue, ctx => Task.FromResult<string?>($"\"{ctx.TaskId}\""));
        await using var harness = new WorkerHarness([handler], store: store);
        var ids = new List<string>();
        for (var i = 0; i < 20; i++) ids.Add(await harness.EnqueueAsync());

        await harness.StartAsync();
        await harness.WaitForCompletedAsync(20, "the worker runs the 20 tasks");

        calls.Count(nameof(IQueueStore.CompleteAsync)).Should().Be(0, "a runner's completion goes with the loop's next call");
        calls.Count(nameof(IQueueStore.CompleteAndLeaseAsync)).Should().BeInRange(20, 21,
            "one call per task at concurrency 1: it records the finished task and leases the next (the last one finds none)");
        // Idle polls once the queue is empty lease nothing, however many there are by now: count the leases that got a task.
        calls.LeasesThatGotTasks.Should().Be(1, "only the first lease goes alone; every later task came with a completion");
        foreach (var id in ids) (await harness.Store.GetAsync(id))!.ResultJson.Should().Be($"\"{id}\"");
    }

    [Fact]
    public async Task Execute_RecordsManyCompletionsInOneCall_WhenHandlersFinishTogether()
    {
        var store = CallCounter.Wrap(new InMemoryQueueStore(WorkerHarness.NoBackoffStoreOptions(), TimeProvider.System), out var calls);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        var finished = 0;
        var handler = new DelegateHandler(WorkerHarness.Queue, async _ =>
        {
            Interlocked.Increment(ref started);
            await gate.Task;
            Interlocked.Increment(ref finished);
            return null;
        });
        // The first combined call is held in the store until every handler has finished, as a slow round trip would be:
        // the 7 completions that come meanwhile must wait for the next call and share it, not make a call each.
        calls.BeforeFirstCompleteAndLease = () => Eventually.TrueAsync(_ => Task.FromResult(Volatile.Read(ref finished) == 8),
            WorkerHarness.Within, "the 8 handlers finish while the first call is under way");
        await using var harness = new WorkerHarness([handler], o => o.Concurrency = 8, store: store);
        for (var i = 0; i < 8; i++) await harness.EnqueueAsync();
        await harness.StartAsync();
        await Eventually.TrueAsync(_ => Task.FromResult(Volatile.Read(ref started) == 8), WorkerHarness.Within, "8 handlers run at once");

        gate.SetResult();
        await harness.WaitForCompletedAsync(8, "the 8 complete");

        calls.Completions.Should().Be(8);
        calls.Count(nameof(IQueueStore.CompleteAndLeaseAsync)).Should().BeLessThanOrEqualTo(3,
            "the first call, then one for the completions that waited on it (a third only if one was still being handed over)");
        calls.MostCompletionsInOneCall.Should().BeGreaterThanOrEqualTo(4, "completions that wait while a call is under way share the next one");
    }

    [Fact]
    public async Task Execute_RecordsACompletionAlone_WhenTheCallItSharedFailsForAnotherReason()
    {
        var store = CallCounter.Wrap(new InMemoryQueueStore(WorkerHarness.NoBackoffStoreOptions(), TimeProvider.System), out var calls);
        // As a script error in the lease half would: nothing about the completion it carried.
        calls.FirstCompleteAndLeaseFails = new InvalidOperationException("ERR user_script:1: the lease half broke");
        var handler = new DelegateHandler(WorkerHarness.Queue, ctx => Task.FromResult<string?>($"\"{ctx.TaskId}\""));
        await using var harness = new WorkerHarness([handler], store: store);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await harness.EnqueueAsync());

        await harness.StartAsync();
        await harness.WaitForCompletedAsync(3, "the worker runs the 3 tasks");

        harness.State.Lost.Should().Be(0, "the failed call's completion is recorded alone, not given up");
        calls.Count(nameof(IQueueStore.CompleteAsync)).Should().Be(1, "the one completion the failed call carried");
        foreach (var id in ids) (await harness.Store.GetAsync(id))!.ResultJson.Should().Be($"\"{id}\"");
    }

    /// <summary>Counts the store's calls by method, and the completions the combined calls carried.</summary>
    public class CallCounter : DispatchProxy
    {
        private IQueueStore _inner = null!;
        private readonly ConcurrentDictionary<string, int> _calls = new();
        private int _completions;
        private int _mostCompletions;
        private int _leasesThatGotTasks;
        private int _combinedCalls;

        public int Completions => Volatile.Read(ref _completions);

        /// <summary>The most completions one combined call carried.</summary>
        public int MostCompletionsInOneCall => Volatile.Read(ref _mostCompletions);

        /// <summary>Plain <see cref="IQueueStore.LeaseAsync"/> calls that leased at least one task.</summary>
        public int LeasesThatGotTasks => Volatile.Read(ref _leasesThatGotTasks);

        /// <summary>Awaited before the first combined call goes to the store (none: it goes at once).</summary>
        public Func<Task>? BeforeFirstCompleteAndLease { get; set; }

        /// <summary>What the first combined call fails with, before it reaches the store (none: it goes through).</summary>
        public Exception? FirstCompleteAndLeaseFails { get; set; }

        public int Count(string method) => _calls.GetValueOrDefault(method);

        public static IQueueStore Wrap(IQueueStore inner, out CallCounter counter)
        {
            var proxy = Create<IQueueStore, CallCounter>();
            counter = (CallCounter)(object)proxy;
            counter._inner = inner;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            _calls.AddOrUpdate(targetMethod.Name, 1, (_, n) => n + 1);
            if (targetMethod.Name == nameof(IQueueStore.CompleteAndLeaseAsync))
            {
                var count = ((IReadOnlyList<TaskCompletion>)args![0]!).Count;
                Interlocked.Add(ref _completions, count);
                int most;
                while (count > (most = Volatile.Read(ref _mostCompletions)) && Interlocked.CompareExchange(ref _mostCompletions, count, most) != most) { }
                var first = Interlocked.Increment(ref _combinedCalls) == 1;
                if (first && FirstCompleteAndLeaseFails is { } failure) return Task.FromException<CompleteAndLeaseResult>(failure);
                if (first && BeforeFirstCompleteAndLease is { } hold)
                    return HoldThen(hold, () => (Task<CompleteAndLeaseResult>)Call(targetMethod, args)!);
            }
            if (targetMethod.Name == nameof(IQueueStore.LeaseAsync))
                return CountLeased((Task<IReadOnlyList<TaskLease>>)Call(targetMethod, args)!);
            return Call(targetMethod, args);
        }

        private static async Task<CompleteAndLeaseResult> HoldThen(Func<Task> hold, Func<Task<CompleteAndLeaseResult>> call)
        {
            await hold();
            return await call();
        }

        private async Task<IReadOnlyList<TaskLease>> CountLeased(Task<IReadOnlyList<TaskLease>> leasing)
        {
            var leases = await leasing;
            if (leases.Count > 0) Interlocked.Increment(ref _leasesThatGotTasks);
            return leases;
        }

        private object? Call(MethodInfo targetMethod, object?[]? args)
        {
            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(ex.InnerException);
                throw;
            }
        }
    }
}
