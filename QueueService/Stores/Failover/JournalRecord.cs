using MessagePack;
using MessagePack.Resolvers;
using QueueService.Tasks;

namespace QueueService.Stores.Failover;

/// <summary>
/// The body of one journal record in MessagePack (see <see cref="JournalFormat"/>). Explicit integer keys:
/// a key is never reused or renumbered; a new field takes the next key. Times are kept as UTC ticks plus
/// the offset in minutes so a <see cref="DateTimeOffset"/> comes back exactly as it was written.
/// </summary>
[MessagePackObject]
public sealed class JournalRecord
{
    /// <summary>The <see cref="JournalEntryKind"/> as its number.</summary>
    [Key(0)] public int Kind { get; set; }
    /// <summary>The task id.</summary>
    [Key(1)] public string TaskId { get; set; } = "";
    /// <summary><see cref="JournalEntry.At"/>: UTC ticks.</summary>
    [Key(2)] public long AtUtcTicks { get; set; }
    /// <summary><see cref="JournalEntry.At"/>: offset from UTC in minutes.</summary>
    [Key(3)] public short AtOffsetMinutes { get; set; }
    /// <summary>The task as submitted, for an enqueue; null otherwise.</summary>
    [Key(4)] public JournalTask? Task { get; set; }
    /// <summary>The attempt a Started entry began; null otherwise (and in files written before Started existed).</summary>
    [Key(5)] public int? Attempt { get; set; }
    /// <summary>The worker of a Started entry; null otherwise.</summary>
    [Key(6)] public string? WorkerId { get; set; }
    /// <summary>The lease token of a Started entry; null otherwise.</summary>
    [Key(7)] public long? LeaseToken { get; set; }
}

/// <summary>A <see cref="NewTask"/> in a journal record: every field but the delay, which the caller turned into <see cref="RunAtUtcTicks"/>.</summary>
[MessagePackObject]
public sealed class JournalTask
{
    /// <summary>The queue.</summary>
    [Key(0)] public string Type { get; set; } = "";
    /// <summary>The payload, as JSON text.</summary>
    [Key(1)] public string PayloadJson { get; set; } = "";
    /// <summary>The task id.</summary>
    [Key(2)] public string? Id { get; set; }
    /// <summary>0–100, higher first.</summary>
    [Key(3)] public int Priority { get; set; }
    /// <summary>Retries after the first attempt.</summary>
    [Key(4)] public int MaxRetries { get; set; }
    /// <summary><see cref="NewTask.RunAt"/>: UTC ticks; null when none.</summary>
    [Key(5)] public long? RunAtUtcTicks { get; set; }
    /// <summary><see cref="NewTask.RunAt"/>: offset from UTC in minutes.</summary>
    [Key(6)] public short RunAtOffsetMinutes { get; set; }
}

/// <summary>Turns <see cref="JournalEntry"/> into record bodies and back, refusing what is not a valid entry.</summary>
internal static class JournalCodec
{
    /// <summary>
    /// Contract objects with integer keys only (never typeless or contractless: a file must not name a .NET
    /// type to create); <see cref="MessagePackSecurity.UntrustedData"/> bounds depth and hashes keys safely.
    /// </summary>
    internal static readonly MessagePackSerializerOptions Options = MessagePackSerializerOptions.Standard
        .WithResolver(StandardResolver.Instance)
        .WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>Checks <paramref name="entry"/> and encodes it as a record body.</summary>
    /// <exception cref="ArgumentException">The entry is not one the journal can replay faithfully.</exception>
    public static byte[] Encode(JournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!Enum.IsDefined(entry.Kind))
            throw new ArgumentException($"Journal entry kind {(int)entry.Kind} is not one of Enqueued, Cancelled, Retried, Started.", nameof(entry));
        if (string.IsNullOrEmpty(entry.TaskId))
            throw new ArgumentException("A journal entry names its task: TaskId is empty.", nameof(entry));
        var record = new JournalRecord
        {
            Kind = (int)entry.Kind,
            TaskId = entry.TaskId,
            AtUtcTicks = entry.At.UtcTicks,
            AtOffsetMinutes = (short)entry.At.Offset.TotalMinutes,
            Attempt = entry.Attempt,
            WorkerId = entry.WorkerId,
            LeaseToken = entry.LeaseToken,
        };
        if (entry.Kind == JournalEntryKind.Started && (entry.Attempt is not > 0 || string.IsNullOrEmpty(entry.WorkerId) || entry.LeaseToken is null))
            throw new ArgumentException($"The Started entry of task {entry.TaskId} needs its attempt (1 or more), worker id and lease token.", nameof(entry));
        if (entry.Kind == JournalEntryKind.Enqueued && entry.Task is null)
            throw new ArgumentException($"The Enqueued entry of task {entry.TaskId} carries no task.", nameof(entry));
        if (entry.Task is { } task)
        {
            if (task.Delay is not null)
                throw new ArgumentException($"The entry of task {entry.TaskId} has a Delay; the journal records a delay as RunAt, converted by the caller at acceptance.", nameof(entry));
            if (task.Id != entry.TaskId)
                throw new ArgumentException($"The entry of task {entry.TaskId} carries a task whose Id is {task.Id ?? "null"}; they must match.", nameof(entry));
            record.Task = new JournalTask
            {
                Type = task.Type,
                PayloadJson = task.PayloadJson,
                Id = task.Id,
                Priority = task.Priority,
                MaxRetries = task.MaxRetries,
                RunAtUtcTicks = task.RunAt?.UtcTicks,
                RunAtOffsetMinutes = (short)(task.RunAt?.Offset.TotalMinutes ?? 0),
            };
        }
        var body = MessagePackSerializer.Serialize(record, Options);
        if (body.Length > JournalFormat.MaxBodyBytes)
            throw new ArgumentException($"The entry of task {entry.TaskId} takes {body.Length} bytes; a journal record holds at most {JournalFormat.MaxBodyBytes}.", nameof(entry));
        return body;
    }

    /// <summary>Decodes a record body whose checksum held; null with a reason when it is not a valid entry.</summary>
    public static JournalEntry? TryDecode(ReadOnlyMemory<byte> body, out string? problem)
    {
        JournalRecord record;
        try
        {
            record = MessagePackSerializer.Deserialize<JournalRecord>(body, Options);
        }
        catch (MessagePackSerializationException error)
        {
            problem = $"the body does not decode: {error.Message}";
            return null;
        }
        problem = Check(record);
        if (problem is not null) return null;
        var task = record.Task is { } t
            ? new NewTask(t.Type, t.PayloadJson)
            {
                Id = t.Id,
                Priority = t.Priority,
                MaxRetries = t.MaxRetries,
                RunAt = t.RunAtUtcTicks is { } ticks ? ToTime(ticks, t.RunAtOffsetMinutes) : null,
            }
            : null;
        return new JournalEntry((JournalEntryKind)record.Kind, record.TaskId, ToTime(record.AtUtcTicks, record.AtOffsetMinutes), task,
            record.Attempt, record.WorkerId, record.LeaseToken);
    }

    private static string? Check(JournalRecord record)
    {
        if (record is null) return "the body is nil";
        if (!Enum.IsDefined((JournalEntryKind)record.Kind)) return $"unknown entry kind {record.Kind}";
        if (string.IsNullOrEmpty(record.TaskId)) return "the task id is empty";
        if (!IsTime(record.AtUtcTicks, record.AtOffsetMinutes)) return "the entry's time is out of range";
        if (record.Kind == (int)JournalEntryKind.Enqueued && record.Task is null) return "an Enqueued entry without its task";
        if (record.Kind == (int)JournalEntryKind.Started && (record.Attempt is not > 0 || string.IsNullOrEmpty(record.WorkerId) || record.LeaseToken is null))
            return "a Started entry without its attempt, worker or lease token";
        if (record.Task is { } task)
        {
            if (task.Type is null || task.PayloadJson is null) return "the task lacks its type or payload";
            if (task.RunAtUtcTicks is { } ticks && !IsTime(ticks, task.RunAtOffsetMinutes)) return "the task's run time is out of range";
        }
        return null;
    }

    private static bool IsTime(long utcTicks, short offsetMinutes) =>
        utcTicks is >= 0 and <= 3155378975999999999 && offsetMinutes is >= -840 and <= 840
        && utcTicks + TimeSpan.TicksPerMinute * offsetMinutes is >= 0 and <= 3155378975999999999;

    private static DateTimeOffset ToTime(long utcTicks, short offsetMinutes) =>
        new DateTimeOffset(utcTicks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offsetMinutes));
}
