using System.Globalization;
using System.Text.Json;
using QueueService.Tasks;
using StackExchange.Redis;

namespace QueueService.Stores.Redis;

/// <summary>Turns what the scripts return (task hashes, views, numbers) into the model.</summary>
internal static class RedisTaskReader
{
    /// <summary>
    /// A view as <c>taskView</c> in common.lua builds it: {fields, rank, avgMs, processing}; null for a
    /// missing task. Position and estimate are computed here (<see cref="EtaEstimator"/>).
    /// </summary>
    public static QueueTask? ReadView(RedisResult view)
    {
        if (view.IsNull || view.Resp2Type != ResultType.Array) return null;
        var parts = (RedisResult[])view!;
        if (parts.Length < 4) return null;
        var task = ReadTask((RedisResult[])parts[0]!);
        var rank = (long)parts[1];
        if (task.Status != QueueTaskStatus.Queued || rank < 0) return task;
        var position = rank + 1;
        return task with
        {
            QueuePosition = position,
            EstimatedWait = EtaEstimator.Estimate(position, ReadDouble(parts[2]), (long)parts[3]),
        };
    }

    /// <summary>Maps a task hash (HGETALL pairs) to a <see cref="QueueTask"/>.</summary>
    public static QueueTask ReadTask(RedisResult[] pairs)
    {
        var f = new Dictionary<string, string>(pairs.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < pairs.Length; i += 2) f[(string)pairs[i]!] = (string)pairs[i + 1]!;

        string? Text(string name) => f.TryGetValue(name, out var v) ? v : null;
        DateTimeOffset? Time(string name) => f.TryGetValue(name, out var v) ? FromMs(ParseLong(v)) : null;
        int Int(string name) => f.TryGetValue(name, out var v) ? (int)ParseLong(v) : 0;

        var progress = f.TryGetValue("progress", out var percent)
            ? new TaskProgress((int)ParseLong(percent), Text("progressMessage"), Text("progressDetails"))
            : null;
        return new QueueTask
        {
            Id = f["id"],
            Type = f["type"],
            PayloadJson = f["payload"],
            Priority = Int("priority"),
            Status = QueueTaskStatusNames.Parse(f["status"]),
            Attempts = Int("attempts"),
            MaxRetries = Int("maxRetries"),
            CreatedAt = Time("createdAt") ?? default,
            UpdatedAt = Time("updatedAt") ?? default,
            StartedAt = Time("startedAt"),
            CompletedAt = Time("completedAt"),
            ScheduledFor = Time("scheduledFor"),
            WorkerId = Text("workerId"),
            LeaseExpiresAt = Time("leaseExpiresAt"),
            IsCancelRequested = Text("cancelRequested") == "1",
            Progress = progress,
            ResultJson = Text("result"),
            LastError = Text("lastError"),
            ErrorHistory = ReadErrors(Text("errors")),
        };
    }

    /// <summary>The error history: a JSON array of [attempt, message, atMs, kind] (cjson writes an empty one as {}).</summary>
    private static List<TaskErrorEntry> ReadErrors(string? json)
    {
        if (string.IsNullOrEmpty(json)) return [];
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Array) return [];
        var list = new List<TaskErrorEntry>(doc.RootElement.GetArrayLength());
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            list.Add(new TaskErrorEntry(
                (int)e[0].GetDouble(),
                e[1].GetString() ?? "",
                FromMs((long)e[2].GetDouble()),
                e.GetArrayLength() > 3 ? e[3].GetString() ?? TaskErrorKinds.Error : TaskErrorKinds.Error));
        }
        return list;
    }

    public static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>
    /// Parses a number Lua wrote into a hash. Integers arrive as plain digits, but Redis formats Lua
    /// numbers as doubles, so an exponent form is accepted too.
    /// </summary>
    public static long ParseLong(string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n
            : (long)double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);

    public static double? ReadDouble(RedisResult value) =>
        value.IsNull ? null : double.Parse((string)value!, NumberStyles.Float, CultureInfo.InvariantCulture);
}
