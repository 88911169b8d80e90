using QueueService.Tasks;

namespace QueueService.Stores.Memory;

/// <summary>
/// The in-memory store's indexes, mirroring the Redis keys of <c>docs/store-semantics.md</c>:
/// <c>s:&lt;status&gt;</c>, <c>s:&lt;status&gt;:&lt;type&gt;</c>, <c>all</c> and <c>all:&lt;type&gt;</c>,
/// so counts are O(1) and pages O(log N + page). A transition is <see cref="Unindex"/>, change the
/// task, <see cref="Index"/>: the score depends on the status and its time, so it must be taken
/// out under its old score.
/// </summary>
internal sealed class TaskIndexes
{
    private static readonly RankedSet Empty = new();
    private readonly Dictionary<QueueTaskStatus, RankedSet> _byStatus = [];
    private readonly Dictionary<(QueueTaskStatus Status, string Type), RankedSet> _byStatusAndType = [];
    private readonly RankedSet _all = new();
    private readonly Dictionary<string, RankedSet> _allByType = [];

    /// <summary>Every queue that ever had a task, by name.</summary>
    public SortedSet<string> Types { get; } = new(StringComparer.Ordinal);

    /// <summary>Adds a new task to the all-tasks indexes and its status indexes.</summary>
    public void AddNew(StoredTask task)
    {
        Types.Add(task.Type);
        _all.Add(task.CreatedSeq, task.Id);
        GetOrAdd(_allByType, task.Type).Add(task.CreatedSeq, task.Id);
        Index(task);
    }

    /// <summary>Removes a task from every index (purge).</summary>
    public void RemoveAll(StoredTask task)
    {
        Unindex(task);
        _all.Remove(task.CreatedSeq, task.Id);
        _allByType.GetValueOrDefault(task.Type)?.Remove(task.CreatedSeq, task.Id);
    }

    /// <summary>Puts a task into the indexes of its current status, under its current score.</summary>
    public void Index(StoredTask task)
    {
        var score = task.StatusScore;
        GetOrAdd(_byStatus, task.Status).Add(score, task.Id);
        GetOrAdd(_byStatusAndType, (task.Status, task.Type)).Add(score, task.Id);
    }

    /// <summary>Takes a task out of the indexes of its current status (call before changing it).</summary>
    public void Unindex(StoredTask task)
    {
        // Only sets that exist: the shared empty set must never be written to.
        var score = task.StatusScore;
        _byStatus.GetValueOrDefault(task.Status)?.Remove(score, task.Id);
        _byStatusAndType.GetValueOrDefault((task.Status, task.Type))?.Remove(score, task.Id);
    }

    /// <summary>Every task in a status (read only).</summary>
    public RankedSet Of(QueueTaskStatus status) => _byStatus.GetValueOrDefault(status) ?? Empty;

    /// <summary>One queue's tasks in a status (read only).</summary>
    public RankedSet Of(QueueTaskStatus status, string type) => _byStatusAndType.GetValueOrDefault((status, type)) ?? Empty;

    /// <summary>Every task by creation sequence (read only).</summary>
    public RankedSet All() => _all;

    /// <summary>One queue's tasks by creation sequence (read only).</summary>
    public RankedSet All(string type) => _allByType.GetValueOrDefault(type) ?? Empty;

    private static RankedSet GetOrAdd<TKey>(Dictionary<TKey, RankedSet> sets, TKey key) where TKey : notnull
    {
        if (!sets.TryGetValue(key, out var set))
        {
            set = new RankedSet();
            sets[key] = set;
        }
        return set;
    }
}
