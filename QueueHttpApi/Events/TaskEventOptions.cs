using System.ComponentModel.DataAnnotations;
using QueueService.Stores;

namespace QueueHttpApi.Events;

/// <summary>The WebSocket event feeds (<c>Queue:Events</c>), validated at start.</summary>
public sealed class TaskEventOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Queue:Events";

    /// <summary>
    /// Messages one socket may have waiting to be sent (default 10,000); a client that falls further behind is
    /// closed with 1008 and a reason. The queue holds references to messages serialized once for all sockets,
    /// so a large one is cheap; it must absorb a burst (a batch enqueue publishes one event per task at once).
    /// </summary>
    [Range(1, 1_000_000)]
    public int SendQueueCapacity { get; set; } = 10_000;

    /// <summary>Events the API's one store subscription buffers before it drops the oldest (default 10,000).</summary>
    [Range(1, TaskEventSubscription.MaxCapacity)]
    public int StoreBufferCapacity { get; set; } = TaskEventSubscription.DefaultCapacity;

    /// <summary>The shortest time between two re-reads of a watched task's queue position (default 0.5 s): at most two position messages a second per socket.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan PositionInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often a watched task is re-read to catch up on events lost in transit (default 30 s); a fresh <c>snapshot</c> is sent when it changed unseen.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the server pings an idle socket (default 30 s; <c>WebSocketOptions.KeepAliveInterval</c>), so proxies keep it open.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a client may take to answer a ping before the socket is dropped (default 60 s; <c>WebSocketOptions.KeepAliveTimeout</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a closing handshake (or the send in flight when a slow client is closed) may take before the socket is aborted (default 5 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
