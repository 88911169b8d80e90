using System.Text.Json;

namespace QueueClient;

/// <summary>The JSON conventions of the API: camelCase, case-insensitive on read.</summary>
public static class QueueJson
{
    /// <summary>The serializer options the client reads and writes with.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
