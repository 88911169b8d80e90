using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using QueueService.Stores;

namespace QueueService.Tests.Workers;

/// <summary>
/// Passes every call to a real store and notes how each async one ended (the method, and the
/// <see cref="StoreError"/> when it failed with one), so a test can wait until the worker met a given answer.
/// </summary>
public class StoreCallLog : DispatchProxy
{
    private IQueueStore _inner = null!;

    /// <summary>The calls that ended, in the order they ended: the method, whether it succeeded, and its store error if any.</summary>
    public ConcurrentQueue<(string Method, bool Succeeded, StoreError? Error)> Calls { get; } = new();

    public static (IQueueStore Store, StoreCallLog Log) Wrap(IQueueStore inner)
    {
        var proxy = Create<IQueueStore, StoreCallLog>();
        var log = (StoreCallLog)(object)proxy;
        log._inner = inner;
        return (proxy, log);
    }

    /// <summary>How many calls of <paramref name="method"/> failed with <paramref name="error"/>.</summary>
    public int Count(string method, StoreError error) => Calls.Count(c => c.Method == method && c.Error == error);

    /// <summary>How many calls of <paramref name="method"/> succeeded.</summary>
    public int Succeeded(string method) => Calls.Count(c => c.Method == method && c.Succeeded);

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (QueueService.Tests.Support.SingleCalls.IsCompleteAndLease(targetMethod))
            return QueueService.Tests.Support.SingleCalls.Invoke((IQueueStore)(object)this, args!);
        object? result;
        try
        {
            result = targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw; // not reached
        }
        if (result is Task task)
            task.ContinueWith(t => Calls.Enqueue((targetMethod.Name, t.IsCompletedSuccessfully, (t.Exception?.InnerException as QueueStoreException)?.Error)),
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return result;
    }
}
