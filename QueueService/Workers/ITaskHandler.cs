namespace QueueService.Workers;

/// <summary>
/// Runs the tasks of one queue. Delivery is at-least-once: a handler may see the same task again
/// (after a crash or an expired lease) and is told the attempt number in <see cref="TaskContext.Attempt"/>.
/// Throw <see cref="PermanentTaskException"/> for an error no retry can fix; any other exception is
/// retried with backoff while retries remain. Observe <see cref="TaskContext.CancellationToken"/>:
/// it fires on user cancel, on the maximum processing time, and when the worker's grace period ends.
/// </summary>
public interface ITaskHandler
{
    /// <summary>The queue this handler serves (<c>transcription</c>, <c>risk-detection</c>, …).</summary>
    string Queue { get; }

    /// <summary>Runs one task.</summary>
    /// <returns>The result as JSON text, or null for none.</returns>
    Task<string?> HandleAsync(TaskContext context);
}

/// <summary>An error that retrying cannot fix (bad payload, unsupported input): the task fails at once.</summary>
public sealed class PermanentTaskException : Exception
{
    /// <summary>Creates the error.</summary>
    public PermanentTaskException(string message, Exception? inner = null) : base(message, inner) { }
}
