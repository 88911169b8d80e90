namespace QueueCtl.Orchestration;

/// <summary>The stack could not be started or kept running; the message says why and how to fix it (exit 1).</summary>
public sealed class StackStartException : Exception
{
    /// <summary>An exception with no message.</summary>
    public StackStartException()
    {
    }

    /// <summary>An exception whose <paramref name="message"/> is shown to the user.</summary>
    public StackStartException(string message) : base(message)
    {
    }

    /// <summary>An exception whose <paramref name="message"/> is shown to the user, caused by <paramref name="innerException"/>.</summary>
    public StackStartException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
