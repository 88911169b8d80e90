using System.ComponentModel.DataAnnotations;

namespace QueueService.Workers;

/// <summary>Options of the processing loop (section <c>Queue:Worker</c>).</summary>
public sealed class WorkerOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Queue:Worker";

    /// <summary>This worker's id in leases, logs and the registry (default <c>&lt;machine&gt;-&lt;pid&gt;</c>).</summary>
    [Required, StringLength(200, MinimumLength = 1)]
    public string WorkerId { get; set; } = DefaultWorkerId();

    /// <summary>The queues to lease from (default: empty, meaning the queues of the registered handlers).</summary>
    public List<string> Queues { get; set; } = [];

    /// <summary>How many tasks run at once (default 1: one at a time; 1–1024).</summary>
    [Range(1, 1024)]
    public int Concurrency { get; set; } = 1;

    /// <summary>How long a lease lasts unless renewed by a heartbeat (default 30 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a running task's lease is renewed (default 10 s); must be shorter than <see cref="LeaseDuration"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest one attempt may run before it is cancelled and failed as a timeout (default 3600 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "7.00:00:00")]
    public TimeSpan MaxProcessingTime { get; set; } = TimeSpan.FromSeconds(3600);

    /// <summary>On stop, how long in-flight tasks may finish before they are cancelled and handed back (default 30 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The fallback poll when idle and no wake-up signal arrives (default 1 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many tasks beyond <see cref="Concurrency"/> the worker may hold leased, waiting for a free handler (default 0;
    /// 0–1000). They hold their leases (renewed by heartbeats) while they wait, so no other worker takes them, and a lease
    /// call and the completions that go with it cover many tasks at once: for queues of many short tasks, where a round
    /// trip per task is the bottleneck; not for slow ones, whose waiting tasks another worker could have run. A waiting
    /// task's wait does not count against <see cref="MaxProcessingTime"/>; at a stop, or once it has waited
    /// <see cref="PrefetchWaitLimit"/>, it is handed back at once.
    /// </summary>
    [Range(0, 1000)]
    public int Prefetch { get; set; }

    /// <summary>
    /// How long a prefetched task may wait for a handler before it is handed back, its place and attempt kept (default
    /// 30 s; 100 ms–1 h). The store caps a lease at its start plus <c>MaxProcessingTime</c> plus
    /// <c>Queue:Store:LeaseCeilingGrace</c> (60 s), and a prefetched task's lease starts when it is leased: a task that
    /// waited longer than that grace would lose its lease before its handler had its full processing time. Keep this
    /// below the grace.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan PrefetchWaitLimit { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many tasks one lease call takes at most (default null: as many as there are free slots; 1–1000).</summary>
    [Range(1, 1000)]
    public int? LeaseBatchSize { get; set; }

    /// <summary>
    /// How long one try at recording an outcome (complete, fail, release, confirm cancel) may take (tries
    /// that meet an unreachable store are retried for up to <see cref="OutcomeHoldTime"/>), and how long a
    /// cancelled handler gets to stop before it is abandoned (default 10 s).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan OutcomeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long an attempt's outcome is held and retried while the store is unavailable (Redis down, or back
    /// empty after an outage and not yet restored), and how long heartbeats keep trying after an outage before
    /// the lease counts as lost (default 10 min; never less than <see cref="LeaseDuration"/>). A stop still
    /// ends the retries within <see cref="WorstCaseStopTime"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan OutcomeHoldTime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long each recorded outcome is remembered, so that a lease a restore brings back after the outcome
    /// was recorded is recorded again instead of run again (default 15 min; 0 remembers none). At most
    /// 50,000 outcomes and 64 MiB of results and error messages are kept; the oldest go first.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RecentOutcomeRetention { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// For how long after a store call of this worker failed as unavailable it compares the leases the store
    /// holds for it with the tasks it runs, at every registry tick (default 10 min, as long as <see cref="OutcomeHoldTime"/>: a restore may come minutes after Redis answers again; 0: only at start-up).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ReconcileWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The longest a graceful stop of the loop can take: the grace period, then the cancelled handlers'
    /// time to stop, then recording their release. The host's shutdown timeout must exceed it.
    /// </summary>
    public TimeSpan WorstCaseStopTime => ShutdownGracePeriod + OutcomeTimeout + OutcomeTimeout;

    // Process facts, not environment variables: QueueEnvironment stays the one reader of those.
    /// <summary>The id a worker gets when none is configured: <c>    private static string DefaultWorkerId() =>lt;machine    private static string DefaultWorkerId() =>gt;-    private static string DefaultWorkerId() =>lt;pid    private static string DefaultWorkerId() =>gt;</c>.</summary>
    public static string DefaultWorkerId() => $"{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}";
}
