using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using QueueHttpApi.Hosting;
using QueueService.Maintenance;
using QueueService.Snapshots;
using QueueService.Stores;
using QueueService.Tasks;

namespace QueueHttpApi.Admin;

/// <summary>The admin endpoints (/admin/*), behind <c>X-Api-Key</c> (<see cref="AdminApiKeyFilter"/>; docs/api-monitoring.md).</summary>
public static class AdminEndpoints
{
    /// <summary>The tag of the admin endpoints in the OpenAPI document.</summary>
    public const string Tag = "Admin";

    /// <summary>The largest <c>olderThanHours</c>: 100 years.</summary>
    public const double MaxOlderThanHours = 876_000;

    private const int ReapBatch = 1000;
    private const int PurgeBatch = 10_000;

    /// <summary>Registers the key filter (one per host, so its Development warning is logged once).</summary>
    public static IServiceCollection AddAdminEndpoints(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<AdminApiKeyFilter>();
        return services;
    }

    /// <summary>Maps <c>POST /admin/backup</c>, <c>POST /admin/cleanup-stuck-tasks</c> and <c>DELETE /admin/tasks</c> in one group behind the key filter.</summary>
    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var admin = endpoints.MapGroup("/admin").WithTags(Tag)
            .AddEndpointFilter(endpoints.ServiceProvider.GetRequiredService<AdminApiKeyFilter>());
        admin.MapPost("/backup", BackupAsync).WithName("BackupNow")
            .WithSummary("Writes a snapshot of the store now.");
        admin.MapPost("/cleanup-stuck-tasks", CleanupStuckTasksAsync).WithName("CleanupStuckTasks")
            .WithSummary("Reclaims every processing task whose lease has expired or ran past the maximum processing time: re-queued or retried, or failed when no attempt is left.");
        admin.MapDelete("/tasks", PurgeFinishedAsync).WithName("PurgeFinishedTasks")
            .WithSummary("Deletes completed, failed and cancelled tasks that finished more than olderThanHours ago.");
        return endpoints;
    }

    /// <summary>
    /// <c>POST /admin/backup</c>: 200 with the file written; 503 while the start-up restore is undecided (a backup
    /// then could rotate the good snapshots away) or the store is unreachable, or when the file cannot be written.
    /// </summary>
    public static async Task<Results<Ok<BackupView>, ProblemHttpResult>> BackupAsync(BackupService backups, IOptions<SnapshotOptions> options,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (options.Value.Enabled && !backups.RestoreSettled)
            return Unavailable("The start-up restore has not been settled yet (the store was unreachable); no backup is written until it is. Try again shortly.",
                "Backups are not possible yet");
        try
        {
            var written = await backups.BackupNowAsync("admin", cancellationToken);
            return TypedResults.Ok(new BackupView(written.File, written.Tasks, written.Bytes, written.DurationMs));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            loggers.CreateLogger(typeof(AdminEndpoints)).LogError(ex, "The admin backup could not be written");
            return Unavailable($"The snapshot could not be written: {ex.Message}", "The backup could not be written");
        }
    }

    /// <summary>
    /// <c>POST /admin/cleanup-stuck-tasks</c>: a task is stuck when it is processing but its lease has expired — its
    /// worker crashed, lost the store long enough to stop heartbeating, or hung past the maximum processing time (a
    /// heartbeat never renews a lease past <c>startedAt + MaxProcessingTime + LeaseCeilingGrace</c>). A lost lease goes
    /// back to queued at its place when attempts remain; a timed-out attempt is retried after backoff; either fails when
    /// no attempt is left (cancelled when a cancel was pending), exactly as the periodic lease reaper would; this runs it
    /// now and to the end, logging each task as the reaper does. A task still heartbeating within its ceiling is never touched.
    /// </summary>
    public static async Task<Ok<CleanupView>> CleanupStuckTasksAsync(IQueueStore store, ReclaimCounter counter, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(AdminEndpoints));
        var all = new List<ReapedTask>();
        while (true)
        {
            var reaped = await store.ReapExpiredAsync(ReapBatch, cancellationToken);
            all.AddRange(reaped);
            if (reaped.Count < ReapBatch) break;
        }
        var counts = LeaseReaper.Report(logger, all, "POST /admin/cleanup-stuck-tasks", counter);
        return TypedResults.Ok(new CleanupView(counts.Requeued + counts.Retried, counts.Failed, counts.Cancelled, counts.TimedOut));
    }

    /// <summary>
    /// <c>DELETE /admin/tasks?olderThanHours=N</c>: deletes every completed, failed and cancelled task that finished
    /// more than N hours ago (N a number from 0 to <see cref="MaxOlderThanHours"/>, fractions allowed; 0 deletes every
    /// finished task). 400 naming <c>olderThanHours</c> when it is missing or not such a number.
    /// </summary>
    public static async Task<Results<Ok<PurgeView>, ProblemHttpResult, ValidationProblem>> PurgeFinishedAsync(
        [FromQuery] string? olderThanHours, IQueueStore store, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(olderThanHours))
            return Invalid("olderThanHours is required: the age in hours above which finished tasks are deleted (0 for all).");
        if (!double.TryParse(olderThanHours, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite,
                CultureInfo.InvariantCulture, out var hours) || !double.IsFinite(hours) || hours is < 0 or > MaxOlderThanHours)
            return Invalid($"olderThanHours must be a number of hours from 0 to {MaxOlderThanHours.ToString(CultureInfo.InvariantCulture)}; got '{olderThanHours}'.");

        var age = TimeSpan.FromHours(hours);
        long deleted = 0;
        while (true)
        {
            var batch = await store.PurgeFinishedAsync(age, PurgeBatch, cancellationToken);
            deleted += batch;
            if (batch < PurgeBatch) break;
        }
        // Spooled files of the deleted tasks go with the retention sweeper's next orphan sweep.
        return TypedResults.Ok(new PurgeView(deleted));
    }

    private static ValidationProblem Invalid(string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["olderThanHours"] = [message] },
            detail: message, title: "The request is invalid");

    private static ProblemHttpResult Unavailable(string detail, string title) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: title);
}
