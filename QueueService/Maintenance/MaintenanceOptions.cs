using System.ComponentModel.DataAnnotations;

namespace QueueService.Maintenance;

/// <summary>Options of the maintenance loops (section <c>Queue:Maintenance</c>).</summary>
public sealed class MaintenanceOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Queue:Maintenance";

    /// <summary>Whether this process runs the maintenance loops at all (default true).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often expired leases are reclaimed (default 5 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan ReapInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often due scheduled tasks move to their queues (default 1 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan PromoteInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often finished tasks past <see cref="Retention"/> are deleted (default 5 min).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long completed, failed and cancelled tasks are kept (default 7 days; 0 keeps them forever).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);
}
