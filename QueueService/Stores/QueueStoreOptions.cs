using System.ComponentModel.DataAnnotations;
using QueueService.Tasks;

namespace QueueService.Stores;

/// <summary>Options of both stores (section <c>Queue:Store</c>).</summary>
public sealed class QueueStoreOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Queue:Store";

    /// <summary>Largest accepted payload in UTF-8 bytes (default 1 MiB).</summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxPayloadBytes { get; set; } = TaskLimits.MaxPayloadBytes;

    /// <summary>How retries back off.</summary>
    [Required]
    public BackoffOptions Backoff { get; set; } = new();

    /// <summary>How many due scheduled tasks one lease call promotes at most before leasing (default 100).</summary>
    [Range(0, 10_000)]
    public int PromoteOnLeaseBatch { get; set; } = 100;

    /// <summary>
    /// The longest one attempt may hold its lease (default 3600 s; bound from <c>MAX_PROCESSING_TIME</c>, like the
    /// worker's own <c>Queue:Worker:MaxProcessingTime</c>). A heartbeat never renews a lease past
    /// <c>startedAt + MaxProcessingTime + </c><see cref="LeaseCeilingGrace"/>, so the lease of a worker whose handler
    /// hangs and ignores its cancellation runs out, and the reaper reclaims the task as a
    /// <see cref="TaskErrorKinds.Timeout"/>: retried after backoff, or failed when no attempt is left.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "7.00:00:00")]
    public TimeSpan MaxProcessingTime { get; set; } = TimeSpan.FromSeconds(3600);

    /// <summary>
    /// How long past <see cref="MaxProcessingTime"/> a lease may still be renewed (default 60 s): room for a healthy
    /// worker, whose own timer fires at its <c>MaxProcessingTime</c>, to stop the handler and record the time-out itself.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan LeaseCeilingGrace { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary><see cref="MaxProcessingTime"/> in whole milliseconds (at least 1).</summary>
    internal long MaxProcessingMs => Math.Max(1, (long)MaxProcessingTime.TotalMilliseconds);

    /// <summary>How long after an attempt started its lease can last at most: <see cref="MaxProcessingTime"/> + <see cref="LeaseCeilingGrace"/>, in milliseconds.</summary>
    internal long LeaseCeilingMs => MaxProcessingMs + Math.Max(0, (long)LeaseCeilingGrace.TotalMilliseconds);
}
