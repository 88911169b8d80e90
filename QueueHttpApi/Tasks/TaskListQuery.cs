using QueueService.Stores;
using QueueService.Tasks;
using QueueService.Workers;

namespace QueueHttpApi.Tasks;

/// <summary>The query string of <c>GET /tasks</c>, checked field by field.</summary>
internal static class TaskListQuery
{
    /// <summary>The store query for <c>?status=&amp;type=&amp;limit=&amp;offset=</c>.</summary>
    /// <exception cref="TaskProblemException">400 naming <c>status</c> (not a status), <c>type</c> (not a queue
    /// this API serves or the store holds), <c>limit</c> (not 1–500) or <c>offset</c> (not 0 or more).</exception>
    public static async Task<TaskQuery> ReadAsync(string? status, string? type, string? limit, string? offset,
        IQueueStore store, IEnumerable<ITaskHandler> handlers, CancellationToken cancellationToken)
    {
        QueueTaskStatus? wantedStatus = null;
        if (status is not null)
        {
            if (!QueueTaskStatusNames.TryParse(status, out var parsed))
                throw TaskProblemException.Invalid("status",
                    $"'status' must be one of {string.Join(", ", QueueTaskStatusNames.All.Select(s => s.ToWire()))}; got '{TaskFieldRules.Shorten(status)}'.");
            wantedStatus = parsed;
        }

        var pageSize = limit is null ? TaskEndpoints.DefaultPageSize : TaskFieldRules.ParseInt("limit", limit);
        if (pageSize is < 1 or > TaskEndpoints.MaxPageSize)
            throw TaskProblemException.Invalid("limit", $"'limit' must be between 1 and {TaskEndpoints.MaxPageSize}; got {pageSize}.");
        var skip = offset is null ? 0 : TaskFieldRules.ParseInt("offset", offset);
        if (skip < 0) throw TaskProblemException.Invalid("offset", $"'offset' must be 0 or more; got {skip}.");

        if (type is not null) await CheckTypeAsync(type, store, handlers, cancellationToken);
        return new TaskQuery(wantedStatus, type, skip, pageSize);
    }

    // Known: served by a handler here, or held by the store (a queue other workers serve). A typo is a 400, not an empty page.
    private static async Task CheckTypeAsync(string type, IQueueStore store, IEnumerable<ITaskHandler> handlers, CancellationToken cancellationToken)
    {
        var served = handlers.Select(h => h.Queue).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (served.Contains(type, StringComparer.Ordinal)) return;
        if (TaskLimits.IsValidQueueName(type) && (await store.GetStatsAsync(cancellationToken)).Queues.ContainsKey(type)) return;
        throw TaskProblemException.Invalid("type", $"'type' must be a task type such as {string.Join(" or ", served)}; got '{TaskFieldRules.Shorten(type)}'.");
    }
}
