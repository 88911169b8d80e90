using System.Text.Json;

namespace QueueHttpApi.Tests.Fuzz;

/// <summary>
/// What the store must hold after the requests so far: every task that got a 202, with the status the API's own
/// answers gave it since. With no workers running, nothing else changes a task, so the model is exact: the
/// generator uses it to predict cancel and retry answers, and the final check compares it with the store.
/// </summary>
internal sealed class FuzzModel
{
    private readonly List<Tracked> _tasks = [];
    private readonly Dictionary<string, Tracked> _byId = new(StringComparer.Ordinal);

    /// <summary>One task that got a 202.</summary>
    public sealed class Tracked(string id, string type, bool isUpload)
    {
        /// <summary>Its id.</summary>
        public string Id { get; } = id;
        /// <summary>Its queue.</summary>
        public string Type { get; } = type;
        /// <summary>True when it was an upload (it owns a spool folder).</summary>
        public bool IsUpload { get; } = isUpload;
        /// <summary>Its status as last seen (<c>queued</c> or <c>cancelled</c> here); null once purged.</summary>
        public string? Status { get; set; } = "queued";
    }

    /// <summary>Every task that got a 202, in order.</summary>
    public IReadOnlyList<Tracked> Tasks => _tasks;

    /// <summary>Tasks still in the store (not purged).</summary>
    public IEnumerable<Tracked> Live => _tasks.Where(t => t.Status is not null);

    /// <summary>How many tasks the admin purge deleted (each one in the model, with its status null).</summary>
    public long Purged { get; private set; }

    /// <summary>A random task that got a 202, or null when there is none yet.</summary>
    public Tracked? Pick(Random random, Func<Tracked, bool>? where = null)
    {
        var candidates = where is null ? _tasks : _tasks.Where(where).ToList();
        return candidates.Count == 0 ? null : candidates[random.Next(candidates.Count)];
    }

    /// <summary>The task with <paramref name="id"/>, when it got a 202.</summary>
    public Tracked? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Records a 202 answer.</summary>
    /// <returns>Null when fine; else what is wrong (an id answered 202 twice).</returns>
    public string? Accept(string id, string type, bool isUpload)
    {
        if (_byId.ContainsKey(id)) return $"the id {id} was answered 202 twice";
        var task = new Tracked(id, type, isUpload);
        _tasks.Add(task);
        _byId[id] = task;
        return null;
    }

    /// <summary>Records the status a 200 task answer shows, when it is a tracked task.</summary>
    public void Observe(JsonElement task)
    {
        if (task.ValueKind == JsonValueKind.Object
            && task.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
            && task.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String
            && Find(id.GetString()!) is { } tracked)
        {
            tracked.Status = status.GetString();
        }
    }

    /// <summary>Marks a task as purged.</summary>
    public void Purge(Tracked task)
    {
        task.Status = null;
        Purged++;
    }
}
