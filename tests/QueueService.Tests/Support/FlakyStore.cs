using System.Reflection;
using QueueService.Stores;

namespace QueueService.Tests.Support;

/// <summary>
/// Wraps a real store and makes one of its methods fail with <see cref="StoreError.Unavailable"/> a
/// given number of times, as an outage would; every other call goes to the real store. A failing
/// call returns a faulted task, as an async store method does. <c>beforeFailing</c>, when given, is
/// awaited first with the call's token: a test can hold the call (a command in flight) until the
/// caller gives up on it, then let it fail.
/// </summary>
public class FlakyStore : DispatchProxy
{
    private static readonly MethodInfo FailTypedMethod =
        typeof(FlakyStore).GetMethod(nameof(FailTypedAsync), BindingFlags.Instance | BindingFlags.NonPublic)!;

    private IQueueStore _inner = null!;
    private string _method = "";
    private int _failuresLeft;
    private int _failed;
    private Func<CancellationToken, Task>? _beforeFailing;

    /// <summary>How many calls were failed so far.</summary>
    public int Failed => Volatile.Read(ref _failed);

    public static (IQueueStore Store, FlakyStore Control) Wrap(IQueueStore inner, string method, int failures,
        Func<CancellationToken, Task>? beforeFailing = null)
    {
        var proxy = Create<IQueueStore, FlakyStore>();
        var control = (FlakyStore)(object)proxy;
        control._inner = inner;
        control._method = method;
        control._failuresLeft = failures;
        control._beforeFailing = beforeFailing;
        return (proxy, control);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (SingleCalls.IsCompleteAndLease(targetMethod))
            return SingleCalls.Invoke((IQueueStore)(object)this, args!);
        if (targetMethod.Name == _method && Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            var token = args?.OfType<CancellationToken>().LastOrDefault() ?? CancellationToken.None;
            var returns = targetMethod.ReturnType;
            if (returns.IsGenericType && returns.GetGenericTypeDefinition() == typeof(Task<>))
                return FailTypedMethod.MakeGenericMethod(returns.GetGenericArguments()[0]).Invoke(this, [token]);
            return FailAsync(token);
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

    private async Task FailAsync(CancellationToken cancellationToken)
    {
        if (_beforeFailing is not null) await _beforeFailing(cancellationToken);
        Interlocked.Increment(ref _failed);
        throw new QueueStoreException(StoreError.Unavailable, "the store is down (simulated outage)");
    }

    private async Task<T> FailTypedAsync<T>(CancellationToken cancellationToken)
    {
        await FailAsync(cancellationToken);
        return default!; // not reached: FailAsync always throws
    }
}
