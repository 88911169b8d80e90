using System.Reflection;
using QueueService.Stores;

namespace QueueService.Tests.Support;

/// <summary>
/// Wraps a real store and makes one of its methods fail with <see cref="StoreError.Unavailable"/> a
/// given number of times, as an outage would; every other call goes to the real store.
/// </summary>
public class FlakyStore : DispatchProxy
{
    private IQueueStore _inner = null!;
    private string _method = "";
    private int _failuresLeft;

    /// <summary>How many calls were failed so far.</summary>
    public int Failed { get; private set; }

    public static (IQueueStore Store, FlakyStore Control) Wrap(IQueueStore inner, string method, int failures)
    {
        var proxy = Create<IQueueStore, FlakyStore>();
        var control = (FlakyStore)(object)proxy;
        control._inner = inner;
        control._method = method;
        control._failuresLeft = failures;
        return (proxy, control);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name == _method && Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            Failed++;
            throw new QueueStoreException(StoreError.Unavailable, "the store is down (simulated outage)");
        }
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }
    }
}
