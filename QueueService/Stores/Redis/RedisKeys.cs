using StackExchange.Redis;

namespace QueueService.Stores.Redis;

/// <summary>
/// Every key and channel of one namespace: <c>{prefix}:{{namespace}}:…</c>. The whole namespace
/// shares one hash tag, so every script touches one Redis Cluster slot (a tag per queue was
/// rejected: one lease takes the best task across several queues atomically).
/// </summary>
internal sealed class RedisKeys
{
    public RedisKeys(string keyPrefix, string ns)
    {
        Prefix = $"{keyPrefix}:{{{ns}}}:";
        Namespace = Prefix;
        Seq = Prefix + "seq";
        Epoch = Prefix + "epoch";
        Types = Prefix + "types";
        Stats = Prefix + "stats";
        Workers = Prefix + "workers";
        WakeChannel = RedisChannel.Literal(Prefix + "wake");
        EventsChannel = RedisChannel.Literal(Prefix + "events");
    }

    /// <summary><c>rq:{ns}:</c>: the text every key starts with.</summary>
    public string Prefix { get; }

    /// <summary>
    /// The prefix as a declared key. Scripts build the keys they can only know inside Redis (the
    /// hash of a task picked by a lease, the per-queue index of a task's stored type) from it; those
    /// keys share its hash tag, so they live in the slot this declared key routes to.
    /// </summary>
    public RedisKey Namespace { get; }

    public RedisKey Seq { get; }
    public RedisKey Epoch { get; }
    public RedisKey Types { get; }
    public RedisKey Stats { get; }

    /// <summary>The worker registry: zset of worker id → expiry ms.</summary>
    public RedisKey Workers { get; }
    public RedisChannel WakeChannel { get; }

    /// <summary>Task events: each script that changes tasks publishes one JSON array of them here (common.lua, <see cref="RedisTaskEvents"/>).</summary>
    public RedisChannel EventsChannel { get; }

    /// <summary>A named lock (<see cref="IQueueStore.TryLockAsync"/>).</summary>
    public RedisKey Lock(string name) => Prefix + "lock:" + name;

    /// <summary>The hash of one task.</summary>
    public RedisKey Task(string taskId) => Prefix + "t:" + taskId;

    /// <summary>The hash of one registered worker (<c>info</c> JSON, <c>heartbeatAt</c> ms); listWorkers.lua builds the same name.</summary>
    public RedisKey Worker(string workerId) => Prefix + "worker:" + workerId;

    /// <summary>The queued index of one queue (run order).</summary>
    public RedisKey Queued(string type) => Prefix + "s:queued:" + type;
}
