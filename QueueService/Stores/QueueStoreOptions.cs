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
}
