namespace QueueCtl.Orchestration;

/// <summary>
/// When a crashed child is started again. A crash is an exit nobody asked for. The delay doubles with each
/// crash in a row, from <see cref="InitialDelay"/> up to <see cref="MaxDelay"/>; a run that lasted
/// <see cref="HealthyRun"/> or longer resets the count. After <see cref="MaxQuickCrashes"/> crashes in a row,
/// each within <see cref="HealthyRun"/> of its start, queuectl gives up and stops the stack: a child that
/// cannot stay up (bad configuration, a broken build) is reported rather than retried forever.
/// </summary>
/// <param name="InitialDelay">The delay before the first restart (default 1 s).</param>
/// <param name="MaxDelay">The longest delay (default 30 s).</param>
/// <param name="HealthyRun">A run at least this long resets the count (default 30 s).</param>
/// <param name="MaxQuickCrashes">Quick crashes in a row that end supervision (default 6: restarts after 1, 2, 4, 8 and 16 s, then give up).</param>
internal sealed record RestartPolicy(TimeSpan InitialDelay, TimeSpan MaxDelay, TimeSpan HealthyRun, int MaxQuickCrashes)
{
    /// <summary>1 s doubling to 30 s, reset after 30 s up, give up after 6 quick crashes in a row.</summary>
    public static RestartPolicy Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), 6);

    /// <summary>The count of quick crashes in a row after a crash of a run that lasted <paramref name="ran"/>.</summary>
    public int NextQuickCrashes(int quickCrashesBefore, TimeSpan ran) => ran >= HealthyRun ? 0 : quickCrashesBefore + 1;

    /// <summary>Whether to give up after this many quick crashes in a row.</summary>
    public bool ShouldGiveUp(int quickCrashes) => quickCrashes >= MaxQuickCrashes;

    /// <summary>The delay before the restart that follows <paramref name="quickCrashes"/> quick crashes in a row (0 or 1: the initial delay).</summary>
    public TimeSpan DelayAfter(int quickCrashes)
    {
        var doublings = Math.Clamp(quickCrashes - 1, 0, 30);
        var delay = InitialDelay * Math.Pow(2, doublings);
        return delay < MaxDelay ? delay : MaxDelay;
    }
}
