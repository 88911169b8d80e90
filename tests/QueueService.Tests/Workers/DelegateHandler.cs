using System.Runtime.CompilerServices;
using QueueService.Workers;

namespace QueueService.Tests.Workers;

/// <summary>A handler whose body the test supplies.</summary>
internal sealed class DelegateHandler(string queue, Func<TaskContext, Task<string?>> handle) : ITaskHandler
{
    public string Queue => queue;

    public Task<string?> HandleAsync(TaskContext context) => handle(context);

    /// <summary>A one-shot signal whose waiters resume on the thread pool, not inside the setter.</summary>
    public static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// A handler on <see cref="WorkerHarness.Queue"/> that counts its runs in <paramref name="runs"/>, says it started, and
    /// returns <paramref name="result"/> once <paramref name="finish"/> is set; <paramref name="tokenFired"/> gets whether its
    /// token had fired by then.
    /// </summary>
    public static DelegateHandler Blocking(TaskCompletionSource started, TaskCompletionSource finish, string? result = null,
        StrongBox<int>? runs = null, StrongBox<bool>? tokenFired = null) =>
        new(WorkerHarness.Queue, async ctx =>
        {
            if (runs is not null) Interlocked.Increment(ref runs.Value);
            started.TrySetResult();
            await finish.Task;
            if (tokenFired is not null) tokenFired.Value = ctx.CancellationToken.IsCancellationRequested;
            return result;
        });
}
