using System.Net;
using QueueHttpApi.Tests.Monitoring;
using QueueService.Snapshots;
using QueueService.Stores;
using QueueService.Tasks;
using QueueService.Tests.Fixtures;
using QueueService.Tests.Support;

namespace QueueHttpApi.Tests.Admin;

public sealed class AdminEndpointsTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    // The periodic lease reaper and retention sweeper would race the endpoints for the same tasks.
    private static readonly Dictionary<string, string?> NoMaintenance = new() { ["Queue:Maintenance:Enabled"] = "false" };

    [Theory]
    [InlineData(ApiStores.Memory)]
    [InlineData(ApiStores.Redis)]
    public async Task Backup_WritesASnapshotFileHoldingEveryTask_WhenAsked(string kind)
    {
        using var api = ApiStores.Create(kind, redis);
        using var client = api.CreateAdminClient();
        for (var i = 0; i < 3; i++) await api.Store.EnqueueAsync(new NewTask("risk-detection", $$"""{"text":"task {{i}}"}"""));

        var response = await client.PostAsync("/admin/backup", null);

        var body = await response.JsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body.ToString());
        var file = body.GetProperty("file").GetString()!;
        Path.GetDirectoryName(file).Should().Be(Path.GetFullPath(api.BackupDirectory));
        File.Exists(file).Should().BeTrue();
        body.GetProperty("tasks").GetInt32().Should().Be(3);
        body.GetProperty("bytes").GetInt64().Should().Be(new FileInfo(file).Length);
        body.GetProperty("durationMs").GetInt64().Should().BeGreaterThanOrEqualTo(0);
        var read = Folder(api.BackupDirectory).ReadNewestValid();
        read.IsFound.Should().BeTrue();
        read.Snapshot!.Tasks.Should().HaveCount(3, "the file is a whole snapshot of the store");
    }

    [Fact]
    public async Task Backup_Answers503ProblemWithTheReason_WhenTheFileCannotBeWritten()
    {
        using var api = ApiStores.Create(ApiStores.Memory, redis);
        using var client = api.CreateAdminClient();
        (await client.GetAsync("/health")).EnsureSuccessStatusCode(); // started: the restore is settled
        // The backup folder becomes a file: the write cannot create its temp file there.
        if (Directory.Exists(api.BackupDirectory)) Directory.Delete(api.BackupDirectory, recursive: true);
        await File.WriteAllTextAsync(api.BackupDirectory, "in the way");

        var response = await client.PostAsync("/admin/backup", null);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
        problem.GetProperty("title").GetString().Should().Be("The backup could not be written");
        problem.GetProperty("detail").GetString().Should().StartWith("The snapshot could not be written: ");
        File.Delete(api.BackupDirectory);
    }

    [Fact]
    public async Task Backup_Answers503Problem_WhenTheStoreIsUnreachable()
    {
        using var api = ApiStores.Unreachable();
        using var client = api.CreateAdminClient();

        var problem = await (await client.PostAsync("/admin/backup", null)).ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);

        problem.GetProperty("title").GetString().Should().Be("The queue store is unavailable");
        SnapshotFiles(api.BackupDirectory).Should().BeEmpty("nothing can be exported from an unreachable store");
    }

    [Fact]
    public async Task Backup_Answers503Problem_WhileTheStartupRestoreIsUnsettled()
    {
        using var api = ApiStores.Unreachable();
        // A good snapshot waits to be restored into a Redis that cannot be reached yet: a backup now could
        // rotate it away, so none is written until the restore is decided.
        var source = new QueueService.Stores.Memory.InMemoryQueueStore(new QueueStoreOptions(), TimeProvider.System);
        await source.EnqueueAsync(new NewTask("risk-detection", """{"text":"precious"}"""));
        Folder(api.BackupDirectory).Write(await source.ExportAsync());
        using var client = api.CreateAdminClient();

        var problem = await (await client.PostAsync("/admin/backup", null)).ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);

        problem.GetProperty("detail").GetString().Should().Contain("restore");
        SnapshotFiles(api.BackupDirectory).Should().ContainSingle("the waiting snapshot is the only one");
    }

    private static SnapshotDirectory Folder(string path) =>
        new(path, Microsoft.Extensions.Logging.Abstractions.NullLogger<SnapshotDirectory>.Instance, TimeProvider.System);

    private static string[] SnapshotFiles(string path) =>
        Directory.Exists(path) ? Directory.GetFiles(path, "snapshot-*.rqsnap") : [];

    [Theory]
    [InlineData(ApiStores.Memory)]
    [InlineData(ApiStores.Redis)]
    public async Task CleanupStuckTasks_RequeuesOrFailsTasksWhoseLeaseExpired_AndLeavesLiveLeasesAlone(string kind)
    {
        using var api = ApiStores.Create(kind, redis, settings: NoMaintenance);
        using var client = api.CreateAdminClient();
        var store = api.Store;
        var retryable = await store.EnqueueAsync(new NewTask("risk-detection", """{"text":"again"}"""));
        var spent = await store.EnqueueAsync(new NewTask("risk-detection", """{"text":"last try"}""") { MaxRetries = 0 });
        await store.LeaseAsync("crashed-worker", ["risk-detection"], 2, TimeSpan.FromMilliseconds(200));
        var live = await store.EnqueueAsync(new NewTask("risk-detection", """{"text":"still running"}"""));
        await store.LeaseAsync("live-worker", ["risk-detection"], 1, TimeSpan.FromMinutes(10));
        await Eventually.TrueAsync(async ct => (await store.GetAsync(retryable.Id, ct))!.LeaseExpiresAt < (await store.GetStatsAsync(ct)).At
                && (await store.GetAsync(spent.Id, ct))!.LeaseExpiresAt < (await store.GetStatsAsync(ct)).At,
            Patience, "the 200 ms leases should run out by the store's clock");

        var response = await client.PostAsync("/admin/cleanup-stuck-tasks", null);

        var body = await response.JsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body.ToString());
        body.GetProperty("requeued").GetInt32().Should().Be(1);
        body.GetProperty("failed").GetInt32().Should().Be(1);
        body.GetProperty("cancelled").GetInt32().Should().Be(0);
        body.GetProperty("timedOut").GetInt32().Should().Be(0, "their leases expired long before the maximum processing time");
        var requeued = (await store.GetAsync(retryable.Id))!;
        requeued.Status.Should().Be(QueueTaskStatus.Queued);
        requeued.LastError.Should().Contain("crashed-worker");
        (await store.GetAsync(spent.Id))!.Status.Should().Be(QueueTaskStatus.Failed);
        (await store.GetAsync(live.Id))!.Status.Should().Be(QueueTaskStatus.Processing, "its lease is still held");

        var again = await (await client.PostAsync("/admin/cleanup-stuck-tasks", null)).JsonAsync();
        again.GetProperty("requeued").GetInt32().Should().Be(0, "nothing is stuck any more");
        (await client.GetStringAsync("/metrics")).Should()
            .Contain("redisqueue_tasks_reclaimed_total{queue=\"risk-detection\",reason=\"lease-expired\",status=\"queued\"} 1")
            .And.Contain("redisqueue_tasks_reclaimed_total{queue=\"risk-detection\",reason=\"lease-expired\",status=\"failed\"} 1");
    }

    [Theory]
    [InlineData(ApiStores.Memory)]
    [InlineData(ApiStores.Redis)]
    public async Task CleanupStuckTasks_RetriesAndCountsAsTimedOut_WhenAHungWorkerHeartbeatsPastMaxProcessingTime(string kind)
    {
        var settings = new Dictionary<string, string?>(NoMaintenance)
        {
            ["Queue:Store:MaxProcessingTime"] = "00:00:00.300",
            ["Queue:Store:LeaseCeilingGrace"] = "00:00:00.100",
        };
        using var api = ApiStores.Create(kind, redis, settings: settings);
        using var client = api.CreateAdminClient();
        var store = api.Store;
        var hung = await store.EnqueueAsync(new NewTask("risk-detection", """{"text":"never ends"}"""));
        var spent = await store.EnqueueAsync(new NewTask("risk-detection", """{"text":"never ends either"}""") { MaxRetries = 0 });
        var leases = await store.LeaseAsync("hung-worker", ["risk-detection"], 2, TimeSpan.FromMinutes(10));
        // The hung worker heartbeats (its handler ignores its token) until the ceiling cuts its leases short.
        await Eventually.TrueAsync(async ct =>
        {
            var beats = await Task.WhenAll(leases.Select(l => store.HeartbeatAsync(l, TimeSpan.FromMinutes(10), ct)));
            var now = (await store.GetStatsAsync(ct)).At;
            return beats.All(b => b.IsLeaseCapped && b.LeaseExpiresAt < now);
        }, Patience, "the capped leases should run out by the store's clock although the worker heartbeats");

        var response = await client.PostAsync("/admin/cleanup-stuck-tasks", null);

        var body = await response.JsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body.ToString());
        body.GetProperty("requeued").GetInt32().Should().Be(1, "the task with attempts left is retried after backoff");
        body.GetProperty("failed").GetInt32().Should().Be(1);
        body.GetProperty("cancelled").GetInt32().Should().Be(0);
        body.GetProperty("timedOut").GetInt32().Should().Be(2, "both ran past the maximum processing time");
        var retried = (await store.GetAsync(hung.Id))!;
        retried.Status.Should().Be(QueueTaskStatus.Scheduled);
        retried.ErrorHistory.Should().ContainSingle().Which.Kind.Should().Be(TaskErrorKinds.Timeout);
        retried.LastError.Should().Contain("hung-worker");
        (await store.GetAsync(spent.Id))!.Status.Should().Be(QueueTaskStatus.Failed);
        (await client.GetStringAsync("/metrics")).Should()
            .Contain("redisqueue_tasks_reclaimed_total{queue=\"risk-detection\",reason=\"timeout\",status=\"scheduled\"} 1")
            .And.Contain("redisqueue_tasks_reclaimed_total{queue=\"risk-detection\",reason=\"timeout\",status=\"failed\"} 1");
    }

    [Theory]
    [InlineData(ApiStores.Memory)]
    [InlineData(ApiStores.Redis)]
    public async Task PurgeTasks_DeletesFinishedTasksOlderThanTheAge_AndNothingElse(string kind)
    {
        using var api = ApiStores.Create(kind, redis, settings: NoMaintenance);
        using var client = api.CreateAdminClient();
        var store = api.Store;
        var finished = await store.EnqueueAsync(new NewTask("risk-detection", """{"text":"done"}"""));
        var leases = await store.LeaseAsync("w", ["risk-detection"], 1, TimeSpan.FromMinutes(5));
        await store.CompleteAsync(leases[0], "{}");
        var cancelled = await store.EnqueueAsync(new NewTask("risk-detection", """{"text":"cancelled"}"""));
        await store.CancelAsync(cancelled.Id);
        var waiting = await store.EnqueueAsync(new NewTask("risk-detection", """{"text":"waiting"}"""));

        var none = await (await client.DeleteAsync("/admin/tasks?olderThanHours=1")).JsonAsync();
        none.GetProperty("deleted").GetInt64().Should().Be(0, "nothing finished an hour ago");

        // Age 0 means "finished before now": retried until the store's clock has moved past the finish times.
        var all = await Eventually.MatchAsync(async ct => await (await client.DeleteAsync("/admin/tasks?olderThanHours=0", ct)).JsonAsync(),
            b => b.GetProperty("deleted").GetInt64() > 0, Patience, "the finished tasks should be purged");

        var deleted = all.GetProperty("deleted").GetInt64();
        if (deleted < 2) deleted += (await (await client.DeleteAsync("/admin/tasks?olderThanHours=0")).JsonAsync()).GetProperty("deleted").GetInt64();
        deleted.Should().Be(2);
        (await store.GetAsync(finished.Id)).Should().BeNull();
        (await store.GetAsync(cancelled.Id)).Should().BeNull();
        (await store.GetAsync(waiting.Id))!.Status.Should().Be(QueueTaskStatus.Queued, "queued tasks are never purged");
    }

    [Theory]
    [InlineData("/admin/tasks")]
    [InlineData("/admin/tasks?olderThanHours=")]
    [InlineData("/admin/tasks?olderThanHours=abc")]
    [InlineData("/admin/tasks?olderThanHours=-1")]
    [InlineData("/admin/tasks?olderThanHours=NaN")]
    [InlineData("/admin/tasks?olderThanHours=Infinity")]
    [InlineData("/admin/tasks?olderThanHours=1e3")]
    [InlineData("/admin/tasks?olderThanHours=876001")]
    [InlineData("/admin/tasks?olderThanHours=1&olderThanHours=2")]
    public async Task PurgeTasks_Answers400NamingOlderThanHours_WhenItIsMissingOrNotAnAge(string path)
    {
        using var api = ApiStores.Create(ApiStores.Memory, redis);
        using var client = api.CreateAdminClient();
        var finished = await api.Store.EnqueueAsync(new NewTask("risk-detection", """{"text":"keep me"}"""));
        await api.Store.CancelAsync(finished.Id);

        var problem = await (await client.DeleteAsync(path)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        problem.GetProperty("errors").TryGetProperty("olderThanHours", out var errors).Should().BeTrue(problem.ToString());
        errors[0].GetString().Should().Contain("olderThanHours");
        (await api.Store.GetAsync(finished.Id)).Should().NotBeNull("a refused request deletes nothing");
    }

    [Fact]
    public async Task PurgeTasks_AcceptsAFractionOfAnHour()
    {
        using var api = ApiStores.Create(ApiStores.Memory, redis);
        using var client = api.CreateAdminClient();

        var response = await client.DeleteAsync("/admin/tasks?olderThanHours=0.5");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.JsonAsync()).GetProperty("deleted").GetInt64().Should().Be(0);
    }
}
