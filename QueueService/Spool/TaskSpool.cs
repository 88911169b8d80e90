using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace QueueService.Spool;

/// <summary>
/// The files that belong to one task: the folder <c>{SpoolDirectory}/{taskId}/</c>. The HTTP API writes
/// an upload there before it enqueues the task. The folder goes when the task can never run again: the
/// worker deletes it once it has recorded the task <c>completed</c> (a completed task cannot be retried);
/// a failed or cancelled task may still be retried by an operator, so its folder stays until the
/// retention sweep has purged the task (<see cref="SweepOrphans"/>). Between retries the files stay.
/// </summary>
public sealed class TaskSpool
{
    private readonly ILogger<TaskSpool> _logger;

    /// <summary>Creates the spool over <see cref="SpoolOptions.SpoolDirectory"/>; nothing is created on disk yet.</summary>
    public TaskSpool(IOptions<SpoolOptions> options, ILogger<TaskSpool> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        Root = Path.GetFullPath(options.Value.SpoolDirectory);
        _logger = logger;
    }

    /// <summary>The spool's full path.</summary>
    public string Root { get; }

    /// <summary>
    /// The folder of <paramref name="taskId"/>, or null when the id cannot name a folder of its own
    /// (empty, <c>.</c>/<c>..</c>, a path separator or a character the file system refuses): such a task
    /// has no spooled files, and nothing outside the spool can ever be reached through an id.
    /// </summary>
    public string? FolderOf(string taskId)
    {
        if (string.IsNullOrEmpty(taskId) || taskId is "." or ".."
            || taskId.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0
            || taskId.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || taskId.Contains(Path.AltDirectorySeparatorChar, StringComparison.Ordinal))
            return null;
        return Path.Combine(Root, taskId);
    }

    /// <summary>
    /// Deletes the folders of tasks the store no longer holds (purged by retention, or never enqueued
    /// after an upload), when older than <paramref name="minAge"/> so an upload whose enqueue is still
    /// on its way is spared. Never throws for one folder; returns how many were deleted.
    /// </summary>
    public async Task<int> SweepOrphans(Func<string, CancellationToken, Task<bool>> taskExists, TimeSpan minAge, TimeProvider time,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskExists);
        ArgumentNullException.ThrowIfNull(time);
        if (!Directory.Exists(Root)) return 0;
        var deleted = 0;
        var cutoff = time.GetUtcNow().UtcDateTime - minAge;
        foreach (var folder in Directory.EnumerateDirectories(Root))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var taskId = Path.GetFileName(folder);
            if (Directory.GetLastWriteTimeUtc(folder) > cutoff || FolderOf(taskId) is null) continue;
            if (!await taskExists(taskId, cancellationToken).ConfigureAwait(false) && Delete(taskId)) deleted++;
        }
        return deleted;
    }

    /// <summary>
    /// Deletes the task's folder and everything in it. Never throws: a folder that cannot be deleted is
    /// logged and left (the task's outcome is already recorded; a stray folder costs only disk).
    /// </summary>
    /// <returns>True when a folder was there and is gone.</returns>
    public bool Delete(string taskId)
    {
        var folder = FolderOf(taskId);
        if (folder is null || !Directory.Exists(folder)) return false;
        try
        {
            Directory.Delete(folder, recursive: true);
            _logger.LogDebug("Deleted the spooled files of task {TaskId} ({Folder})", taskId, folder);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "Could not delete the spooled files of task {TaskId} in {Folder}; left on disk", taskId, folder);
            return false;
        }
    }
}
