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
        await Eventually.TrueAsync(_ => Task.FromResult(harness.State.Completed == 20), WorkerHarness.Within, "the worker runs the 20 tasks");

        calls.Count(nameof(IQueueStore.CompleteAsync)).Should().Be(0, "a runner's completion goes with the loop's next call");
        calls.Count(nameof(IQueueStore.CompleteAndLeaseAsync)).Should().BeInRange(20, 21,
            "one call per task at concurrency 1: it records the finished task and leases the next (the last one finds none)");
        calls.Count(nameof(IQueueStore.LeaseAsync)).Should().BeLessThan(5, "only the first lease, and leases after an idle wait, go alone");
        foreach (var id in ids) (await harness.Store.GetAsync(id))!.ResultJson.Should().Be($"\"{id}\"");
    }

    [Fact]
    public async Task Execute_RecordsManyCompletionsInOneCall_WhenHandlersFinishTogether()
    {
        var store = CallCounter.Wrap(new InMemoryQueueStore(WorkerHarness.NoBackoffStoreOptions(), TimeProvider.System), out var calls);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        var handler = new DelegateHandler(WorkerHarness.Queue, async _ =>
        {
            Interlocked.Increment(ref started);
            await gate.Task;
            return null;
        });
        await using var harness = new WorkerHarness([handler], o => o.Concurrency = 8, store: store);
        for (var i = 0; i < 8; i++) await harness.EnqueueAsync();
        await harness.StartAsync();
        await Eventually.TrueAsync(_ => Task.FromResult(Volatile.Read(ref started) == 8), WorkerHarness.Within, "8 handlers run at once");

        gate.SetResult();
        await Eventually.TrueAsync(_ => Task.FromResult(harness.State.Completed == 8), WorkerHarness.Within, "the 8 complete");

        calls.Count(nameof(IQueueStore.CompleteAndLeaseAsync)).Should().BeLessThan(8, "completions that wait while a call is under way share the next one");
        calls.Completions.Should().Be(8);
    }

    /// <summary>Counts the store's calls by method, and the completions the combined calls carried.</summary>
    public class CallCounter : DispatchProxy
    {
        private IQueueStore _inner = null!;
        private readonly ConcurrentDictionary<string, int> _calls = new();
        private int _completions;

        public int Completions => Volatile.Read(ref _completions);

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
                Interlocked.Add(ref _completions, ((IReadOnlyList<TaskCompletion>)args![0]!).Count);
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
