namespace QueueService.Tasks;

/// <summary>
/// What happened to a task (<see cref="TaskEvent.Kind"/>). Sent on the wire as the lower-case,
/// dash-separated name (<c>queued</c>, <c>cancel-requested</c>, …).
/// </summary>
public enum TaskEventKind
{
    /// <summary>→ queued: enqueued, a scheduled task whose time came (promotion), a lease handed back at shutdown, or an expired lease reclaimed with attempts left.</summary>
    Queued,
    /// <summary>→ scheduled: enqueued with a delay or a future run time.</summary>
    Scheduled,
    /// <summary>queued → processing: a worker leased it.</summary>
    Started,
    /// <summary>processing → processing: the lease holder reported progress.</summary>
    Progress,
    /// <summary>processing → completed.</summary>
    Completed,
    /// <summary>processing → failed: retries spent, a permanent error, or an expired lease with no attempts left.</summary>
    Failed,
    /// <summary>→ cancelled: cancelled while queued or scheduled, or a requested cancel took effect (confirmed, failed, handed back or reaped).</summary>
    Cancelled,
    /// <summary>processing → processing with a cancel requested: the worker is told at its next heartbeat.</summary>
    CancelRequested,
    /// <summary>A retry: failed or cancelled → queued by hand, or processing → scheduled after a retryable failure (backing off).</summary>
    Retried,
}

/// <summary>Wire names of <see cref="TaskEventKind"/>, written once for both stores and the API.</summary>
public static class TaskEventKindNames
{
    private static readonly TaskEventKind[] AllKinds = Enum.GetValues<TaskEventKind>();

    /// <summary>The wire name (<c>queued</c>, <c>started</c>, <c>cancel-requested</c>, …).</summary>
    public static string ToWire(this TaskEventKind kind) => kind switch
    {
        TaskEventKind.Queued => "queued",
        TaskEventKind.Scheduled => "scheduled",
        TaskEventKind.Started => "started",
        TaskEventKind.Progress => "progress",
        TaskEventKind.Completed => "completed",
        TaskEventKind.Failed => "failed",
        TaskEventKind.Cancelled => "cancelled",
        TaskEventKind.CancelRequested => "cancel-requested",
        TaskEventKind.Retried => "retried",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown event kind"),
    };

    /// <summary>Parses a wire name (exact, ordinal).</summary>
    /// <returns><c>false</c> when <paramref name="value"/> names no kind.</returns>
    public static bool TryParse(string? value, out TaskEventKind kind)
    {
        foreach (var candidate in AllKinds)
        {
            if (string.Equals(candidate.ToWire(), value, StringComparison.Ordinal))
            {
                kind = candidate;
                return true;
            }
        }
        kind = default;
        return false;
    }

    /// <summary>True for the kinds after which the task is finished: completed, failed, cancelled.</summary>
    public static bool IsTerminal(this TaskEventKind kind) =>
        kind is TaskEventKind.Completed or TaskEventKind.Failed or TaskEventKind.Cancelled;
}
