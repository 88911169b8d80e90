namespace QueueService.Tasks;

/// <summary>Where a task stands. Stored and sent on the wire as the lower-case name (<c>queued</c>, …).</summary>
public enum QueueTaskStatus
{
    /// <summary>Waiting in its queue; has a queue position.</summary>
    Queued,
    /// <summary>Waiting for its time: a delayed task, or a retry backing off.</summary>
    Scheduled,
    /// <summary>Leased by a worker that is running it.</summary>
    Processing,
    /// <summary>Finished with a result.</summary>
    Completed,
    /// <summary>Finished without a result: retries spent or a permanent error.</summary>
    Failed,
    /// <summary>Finished because it was cancelled.</summary>
    Cancelled,
}

/// <summary>Wire names of <see cref="QueueTaskStatus"/>, written once for both stores and the API.</summary>
public static class QueueTaskStatusNames
{
    /// <summary>The lower-case wire name (<c>queued</c>, <c>processing</c>, …).</summary>
    public static string ToWire(this QueueTaskStatus status) => status switch
    {
        QueueTaskStatus.Queued => "queued",
        QueueTaskStatus.Scheduled => "scheduled",
        QueueTaskStatus.Processing => "processing",
        QueueTaskStatus.Completed => "completed",
        QueueTaskStatus.Failed => "failed",
        QueueTaskStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown status"),
    };

    /// <summary>Parses a wire name, case-insensitively.</summary>
    /// <returns><c>false</c> when <paramref name="value"/> names no status.</returns>
    public static bool TryParse(string? value, out QueueTaskStatus status)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.ToWire(), value, StringComparison.OrdinalIgnoreCase))
            {
                status = candidate;
                return true;
            }
        }
        status = default;
        return false;
    }

    /// <summary>Parses a wire name that must be valid (data read back from a store).</summary>
    /// <exception cref="FormatException">The value names no status.</exception>
    public static QueueTaskStatus Parse(string value) =>
        TryParse(value, out var status) ? status : throw new FormatException($"'{value}' is not a task status.");

    /// <summary>Every status, in lifecycle order.</summary>
    public static IReadOnlyList<QueueTaskStatus> All { get; } = Enum.GetValues<QueueTaskStatus>();

    /// <summary>True for the end states: completed, failed, cancelled.</summary>
    public static bool IsFinished(this QueueTaskStatus status) =>
        status is QueueTaskStatus.Completed or QueueTaskStatus.Failed or QueueTaskStatus.Cancelled;
}
