using System.Text.Json;
using QueueService.Tasks;

namespace QueueService.Stores.Redis;

/// <summary>
/// Reads the messages the scripts publish on the events channel (common.lua: <c>emit</c>,
/// <c>publishEvents</c>): a JSON array of objects with short keys, <c>k</c> kind, <c>id</c>, <c>q</c> queue,
/// <c>s</c> status, <c>at</c> ms, and optionally <c>n</c> attempt, <c>w</c> worker, <c>p</c> percent,
/// <c>m</c> progress message, <c>e</c> error, <c>due</c> scheduledFor ms. An optional key that is absent,
/// null or false (how Lua writes a missing hash field) reads as null.
/// </summary>
internal static class RedisTaskEvents
{
    /// <summary>The events of one message, in the order the script made the changes.</summary>
    /// <exception cref="FormatException">The message is not such an array (the message says what is wrong).</exception>
    public static List<TaskEvent> Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) throw new FormatException("an event message must be a JSON array.");
            var events = new List<TaskEvent>(1);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject) throw new FormatException($"an event must be a JSON object; found {reader.TokenType}.");
                events.Add(ReadEvent(ref reader));
            }
            return events;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new FormatException($"unreadable event message: {ex.Message}", ex);
        }
    }

    private static TaskEvent ReadEvent(ref Utf8JsonReader reader)
    {
        string? kind = null, id = null, queue = null, status = null, worker = null, message = null, error = null;
        long? atMs = null, dueMs = null, attempt = null, percent = null, token = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            if (reader.TokenType is JsonTokenType.Null or JsonTokenType.False) continue;
            switch (name)
            {
                case "k": kind = reader.GetString(); break;
                case "id": id = reader.GetString(); break;
                case "q": queue = reader.GetString(); break;
                case "s": status = reader.GetString(); break;
                case "at": atMs = ReadLong(ref reader); break;
                case "n": attempt = ReadLong(ref reader); break;
                case "w": worker = reader.GetString(); break;
                case "p": percent = ReadLong(ref reader); break;
                case "m": message = reader.GetString(); break;
                case "e": error = reader.GetString(); break;
                case "due": dueMs = ReadLong(ref reader); break;
                case "t": token = ReadLong(ref reader); break;
                default: reader.Skip(); break; // a newer script's field: ignored
            }
        }
        if (!TaskEventKindNames.TryParse(kind, out var eventKind)) throw new FormatException($"unknown event kind '{kind}'.");
        if (!QueueTaskStatusNames.TryParse(status, out var taskStatus)) throw new FormatException($"unknown status '{status}'.");
        if (id is null || queue is null || atMs is null) throw new FormatException("an event needs id, q and at.");
        return new TaskEvent
        {
            Kind = eventKind,
            TaskId = id,
            Queue = queue,
            Status = taskStatus,
            At = DateTimeOffset.FromUnixTimeMilliseconds(atMs.Value),
            Attempt = attempt is { } n ? (int)n : null,
            WorkerId = worker,
            Progress = percent is { } p ? new TaskProgress((int)p, message) : null,
            Error = error,
            ScheduledFor = dueMs is { } due ? DateTimeOffset.FromUnixTimeMilliseconds(due) : null,
            LeaseToken = eventKind == TaskEventKind.Started ? token : null,
        };
    }

    // Lua's cjson writes integers up to 14 significant digits plainly (milliseconds have 13); anything
    // else it writes is read as a double and rounded.
    private static long ReadLong(ref Utf8JsonReader reader) =>
        reader.TryGetInt64(out var value) ? value : (long)Math.Round(reader.GetDouble());
}
