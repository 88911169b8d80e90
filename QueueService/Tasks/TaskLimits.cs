using System.Text;
using System.Text.RegularExpressions;
using QueueService.Stores;

namespace QueueService.Tasks;

/// <summary>Fixed limits and the validation of a <see cref="NewTask"/>, shared by both stores.</summary>
public static partial class TaskLimits
{
    /// <summary>Default retries after the first attempt.</summary>
    public const int DefaultMaxRetries = 3;
    /// <summary>Highest accepted <see cref="NewTask.MaxRetries"/>.</summary>
    public const int MaxMaxRetries = 100;
    /// <summary>Default upper bound of a payload, in UTF-8 bytes (1 MiB). Audio travels as a file path, not in the payload.</summary>
    public const int MaxPayloadBytes = 1024 * 1024;
    /// <summary>Longest accepted task id.</summary>
    public const int MaxIdLength = 128;
    /// <summary>How many error entries a task keeps (oldest dropped first).</summary>
    public const int ErrorHistoryLength = 20;
    /// <summary>Longest error message kept, in characters; longer ones are cut.</summary>
    public const int MaxErrorLength = 4000;
    /// <summary>Largest page a list call returns.</summary>
    public const int MaxPageSize = 1000;
    /// <summary>Longest a lease may be asked for.</summary>
    public static readonly TimeSpan MaxLeaseDuration = TimeSpan.FromHours(24);
    /// <summary>Most tasks one lease call hands out.</summary>
    public const int MaxLeaseBatch = 1000;

    /// <summary>
    /// A new time-ordered task id: a version-7 GUID (RFC 9562) from the store's clock, its 74 random bits from
    /// <see cref="Random.Shared"/> (seeded per process by the OS). <see cref="Guid.CreateVersion7(DateTimeOffset)"/> reads the
    /// OS's secure random source with a system call per id, which was 8 % of a batch enqueue's client time; an id
    /// needs uniqueness, not secrecy.
    /// </summary>
    public static string NewTaskId(TimeProvider time)
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        var ms = time.GetUtcNow().ToUnixTimeMilliseconds();
        // unix_ts_ms (48 bits, big-endian), then the version (7) and variant (10) over the random bits.
        for (var i = 0; i < 6; i++) bytes[i] = (byte)(ms >> (40 - (8 * i)));
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true).ToString();
    }

    /// <summary>Checks the arguments of a lease call, written once for both stores.</summary>
    /// <returns>The queues without repeats, in the given order, and the lease in whole milliseconds.</returns>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> naming <c>workerId</c>, <c>queues</c>, <c>maxTasks</c> or <c>leaseDuration</c>.</exception>
    public static (string[] Queues, long LeaseMs) ValidateLease(string workerId, IReadOnlyList<string> queues, int maxTasks, TimeSpan leaseDuration)
    {
        if (string.IsNullOrWhiteSpace(workerId)) throw QueueStoreException.Invalid("workerId", "a worker id is required.");
        var distinct = ValidateQueues(queues);
        if (maxTasks is < 1 or > MaxLeaseBatch)
            throw QueueStoreException.Invalid("maxTasks", $"maxTasks must be between 1 and {MaxLeaseBatch}; got {maxTasks}.");
        return (distinct, LeaseMs(leaseDuration));
    }

    /// <summary>Checks a <see cref="Stores.IQueueStore.CompleteAndLeaseAsync"/> call: its completions, then its lease arguments as <see cref="ValidateLease"/> does, <paramref name="maxTasks"/> 0 allowed.</summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> naming the field.</exception>
    public static (string[] Queues, long LeaseMs) ValidateCompleteAndLease(IReadOnlyList<Stores.TaskCompletion> completions, string workerId,
        IReadOnlyList<string> queues, int maxTasks, TimeSpan leaseDuration)
    {
        ArgumentNullException.ThrowIfNull(completions);
        if (completions.Count > MaxLeaseBatch)
            throw QueueStoreException.Invalid("completions", $"at most {MaxLeaseBatch} completions per call; got {completions.Count}.");
        foreach (var completion in completions)
        {
            if (completion?.Lease is null) throw QueueStoreException.Invalid("completions", "a completion needs its lease.");
        }
        if (maxTasks is < 0 or > MaxLeaseBatch)
            throw QueueStoreException.Invalid("maxTasks", $"maxTasks must be between 0 and {MaxLeaseBatch}; got {maxTasks}.");
        return ValidateLease(workerId, queues, Math.Max(1, maxTasks), leaseDuration);
    }

    /// <summary>Checks a list of queue names (lease, wait for work).</summary>
    /// <returns>The names without repeats, in the given order.</returns>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> naming <c>queues</c>.</exception>
    public static string[] ValidateQueues(IReadOnlyList<string>? queues)
    {
        if (queues is null || queues.Count == 0) throw QueueStoreException.Invalid("queues", "name at least one queue.");
        foreach (var queue in queues) ValidateQueueName(queue, "queues");
        return queues.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>A lease duration in whole milliseconds, at least one, as both stores keep it.</summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> naming <c>leaseDuration</c> outside (0, 24 h].</exception>
    public static long LeaseMs(TimeSpan leaseDuration)
    {
        if (leaseDuration <= TimeSpan.Zero || leaseDuration > MaxLeaseDuration)
            throw QueueStoreException.Invalid("leaseDuration", $"a lease must last more than 0 and at most {MaxLeaseDuration}; got {leaseDuration}.");
        return Math.Max(1, (long)leaseDuration.TotalMilliseconds);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex QueueNamePattern();

    /// <summary>True for a task id a submitter may choose: 1–<see cref="MaxIdLength"/> letters, digits, <c>.</c>, <c>_</c>, <c>-</c>.</summary>
    public static bool IsValidTaskId(string? id) => id is { Length: > 0 and <= MaxIdLength } && IdPattern().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex IdPattern();

    /// <summary>True when <paramref name="type"/> is a valid queue name.</summary>
    public static bool IsValidQueueName(string? type) => type is not null && QueueNamePattern().IsMatch(type);

    /// <summary>Checks a queue name.</summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> naming the field.</exception>
    public static void ValidateQueueName(string? type, string field = "type")
    {
        if (!IsValidQueueName(type))
            throw QueueStoreException.Invalid(field,
                $"'{type}' is not a valid queue name: use 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit.");
    }

    /// <summary>Checks every field of a submission; the first problem wins.</summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> naming the field and the rule.</exception>
    public static void Validate(NewTask task, int maxPayloadBytes = MaxPayloadBytes)
    {
        ArgumentNullException.ThrowIfNull(task);
        ValidateQueueName(task.Type);
        if (task.Id is not null && !IsValidTaskId(task.Id))
            throw QueueStoreException.Invalid("id", $"a task id must be 1-{MaxIdLength} characters of letters, digits, '.', '_' or '-'.");
        if (!Tasks.Priority.IsValid(task.Priority))
            throw QueueStoreException.Invalid("priority", $"priority must be between {Tasks.Priority.Min} and {Tasks.Priority.Max}; got {task.Priority}.");
        if (task.MaxRetries is < 0 or > MaxMaxRetries)
            throw QueueStoreException.Invalid("maxRetries", $"maxRetries must be between 0 and {MaxMaxRetries}; got {task.MaxRetries}.");
        if (task.PayloadJson is null)
            throw QueueStoreException.Invalid("payload", "a payload is required (use \"{}\" for none).");
        var payloadBytes = Encoding.UTF8.GetByteCount(task.PayloadJson);
        if (payloadBytes > maxPayloadBytes)
            throw QueueStoreException.Invalid("payload", $"the payload is {payloadBytes} bytes; the limit is {maxPayloadBytes}.");
        if (task.Delay is not null && task.RunAt is not null)
            throw QueueStoreException.Invalid("delay", "give either delay or runAt, not both.");
        if (task.Delay is { } delay && (delay < TimeSpan.Zero || delay > TimeSpan.FromDays(365)))
            throw QueueStoreException.Invalid("delay", "delay must be between 0 and 365 days.");
        if (task.CreatedAt is { } createdAt && createdAt.ToUnixTimeMilliseconds() < 1)
            throw QueueStoreException.Invalid("createdAt", "createdAt must be after 1970-01-01T00:00:00Z.");
    }

    /// <summary>Checks a task id given to a read or a command (get, cancel, retry): null or empty names no task.</summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> for the field <c>id</c>.</exception>
    public static void ValidateTaskId(string? taskId)
    {
        if (string.IsNullOrEmpty(taskId)) throw QueueStoreException.Invalid("id", "a task id is required.");
    }

    /// <summary>Checks the batch size of a maintenance call (promote, reap, purge).</summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> for the field <c>maxTasks</c>.</exception>
    public static void ValidateMaxTasks(int maxTasks)
    {
        if (maxTasks < 1) throw QueueStoreException.Invalid("maxTasks", $"maxTasks must be 1 or more; got {maxTasks}.");
    }

    /// <summary>
    /// A delay in whole milliseconds, rounded up: the store's clock has millisecond precision and a
    /// task runs no sooner than asked, so a due time is never earlier than now + <paramref name="delay"/>.
    /// </summary>
    public static long DelayMs(TimeSpan delay) =>
        (delay.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;

    /// <summary>The kind recorded for a failure: <see cref="TaskErrorKinds.Error"/> when none (null, empty, blank) was given.</summary>
    public static string ErrorKind(string? kind) => string.IsNullOrWhiteSpace(kind) ? TaskErrorKinds.Error : kind;

    /// <summary>The worker named in a lease-expired history entry when the task has none.</summary>
    public const string UnknownWorker = "unknown";

    /// <summary>The text before the worker id in a lease-expired history entry.</summary>
    public const string LeaseExpiredBefore = "The lease of worker ";

    /// <summary>The text after the worker id in a lease-expired history entry.</summary>
    public const string LeaseExpiredAfter = " expired before the task finished.";

    /// <summary>The history message of a reclaimed lease, the same in both stores.</summary>
    public static string LeaseExpiredMessage(string? workerId) =>
        LeaseExpiredBefore + (string.IsNullOrEmpty(workerId) ? UnknownWorker : workerId) + LeaseExpiredAfter;

    /// <summary>The text before the limit in a timed-out (reclaimed past the maximum processing time) history entry.</summary>
    public const string TimedOutBefore = "The attempt ran longer than the maximum processing time (";

    /// <summary>The text between the limit and the worker id in a timed-out history entry.</summary>
    public const string TimedOutMiddle = ") on worker ";

    /// <summary>The text after the worker id in a timed-out history entry.</summary>
    public const string TimedOutAfter = "; its lease reached its ceiling and was reclaimed.";

    /// <summary>The history message of a lease reclaimed after <paramref name="maxProcessingTime"/>, the same in both stores.</summary>
    public static string TimedOutMessage(string? workerId, TimeSpan maxProcessingTime) =>
        TimedOutPrefix(maxProcessingTime) + (string.IsNullOrEmpty(workerId) ? UnknownWorker : workerId) + TimedOutAfter;

    /// <summary>The part of <see cref="TimedOutMessage"/> before the worker id.</summary>
    public static string TimedOutPrefix(TimeSpan maxProcessingTime) =>
        TimedOutBefore + maxProcessingTime.ToString("c", System.Globalization.CultureInfo.InvariantCulture) + TimedOutMiddle;

    /// <summary>Cuts an error message to <see cref="MaxErrorLength"/>.</summary>
    public static string TrimError(string? message)
    {
        var text = string.IsNullOrWhiteSpace(message) ? "unknown error" : message;
        return text.Length <= MaxErrorLength ? text : text[..MaxErrorLength];
    }
}
