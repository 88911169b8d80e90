using System.Net;
using QueueService.Tasks;
using QueueService.Tests.Fixtures;
using QueueService.Tests.Support;

namespace QueueHttpApi.Tests.Monitoring;

public sealed class MetricsEndpointTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(ApiStores.Memory)]
    [InlineData(ApiStores.Redis)]
    public async Task Metrics_PublishesDepthPerQueueAndStatusStoreModeAndBackupAge_WhenScraped(string kind)
    {
        using var api = ApiStores.Create(kind, redis);
        using var client = api.CreateClient();
        await api.Store.EnqueueAsync(new NewTask("risk-detection", """{"text":"one"}"""));
        await api.Store.EnqueueAsync(new NewTask("risk-detection", """{"text":"two"}"""));
        await api.Store.EnqueueAsync(new NewTask("transcription", """{"audioPath":"a.wav"}""") { Delay = TimeSpan.FromHours(1) });

        var response = await client.GetAsync("/metrics");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        var text = await response.Content.ReadAsStringAsync();
        text.Should().Contain("redisqueue_queue_tasks{queue=\"risk-detection\",status=\"queued\"} 2")
            .And.Contain("redisqueue_queue_tasks{queue=\"risk-detection\",status=\"completed\"} 0")
            .And.Contain("redisqueue_queue_tasks{queue=\"transcription\",status=\"scheduled\"} 1")
            .And.Contain($"redisqueue_store_mode{{store=\"{kind}\"}} 1")
            .And.Contain($"redisqueue_store_mode{{store=\"{(kind == "redis" ? "memory" : "redis")}\"}} 0")
            .And.Contain("redisqueue_store_up 1")
            .And.Contain("redisqueue_workers_live 0")
            .And.MatchRegex(@"(?m)^redisqueue_backup_age_seconds \d", "the age counts from start until the first backup");
    }

    [Fact]
    public async Task Metrics_CountsOutcomesAndTimesEachQueue_AfterEmbeddedWorkersRanRealTasks()
    {
        using var api = ApiStores.Create(ApiStores.Memory, redis, embeddedWorkers: 1);
        using var client = api.CreateClient();
        var risky = await api.Store.EnqueueAsync(new NewTask("risk-detection", """{"text":"Just wire the money today."}"""));
        // A chained risk detection whose transcription does not exist fails for good at once.
        var orphan = await api.Store.EnqueueAsync(new NewTask("risk-detection", """{"transcriptionTaskId":"no-such-task"}""") { MaxRetries = 0 });

        foreach (var (id, status) in new[] { (risky.Id, QueueTaskStatus.Completed), (orphan.Id, QueueTaskStatus.Failed) })
        {
            var task = await Eventually.MatchAsync(ct => api.Store.GetAsync(id, ct), t => t?.Status.IsFinished() == true, Patience,
                "the embedded worker should run the task");
            task!.Status.Should().Be(status, task.LastError);
        }

        // The worker counts an attempt just after the store records it: scrape until both are in.
        var text = await Eventually.MatchAsync(async ct => await client.GetStringAsync("/metrics", ct),
            t => t.Contains("redisqueue_tasks_failed_total{queue=\"risk-detection\"} 1", StringComparison.Ordinal)
                && t.Contains("redisqueue_tasks_completed_total{queue=\"risk-detection\"} 1", StringComparison.Ordinal),
            Patience, "both attempts should be counted");
        text.Should().Contain("redisqueue_task_processing_duration_seconds_count{queue=\"risk-detection\",outcome=\"completed\"} 1")
            .And.Contain("redisqueue_task_processing_duration_seconds_count{queue=\"risk-detection\",outcome=\"failed\"} 1")
            .And.Contain("redisqueue_task_processing_duration_seconds_bucket{queue=\"risk-detection\",outcome=\"completed\",le=\"3600\"} 1")
            .And.Contain("redisqueue_task_wait_duration_seconds_count{queue=\"risk-detection\"} 2")
            .And.Contain("redisqueue_queue_tasks{queue=\"risk-detection\",status=\"completed\"} 1")
            .And.Contain("redisqueue_workers_live 1", "the embedded worker registers itself")
            .And.Contain("# TYPE redisqueue_tasks_completed_total counter")
            .And.Contain("# TYPE redisqueue_task_processing_duration_seconds histogram");
    }

    [Fact]
    public async Task Metrics_CountsOnlyItsOwnHostsTasks_WhenTwoApisShareAProcess()
    {
        using var busy = ApiStores.Create(ApiStores.Memory, redis, embeddedWorkers: 1);
        using var idle = ApiStores.Create(ApiStores.Memory, redis, embeddedWorkers: 1);
        using var busyClient = busy.CreateClient();
        using var idleClient = idle.CreateClient();
        var done = await busy.Store.EnqueueAsync(new NewTask("risk-detection", """{"text":"hello"}"""));
        await Eventually.MatchAsync(async ct => await busyClient.GetStringAsync("/metrics", ct),
            t => t.Contains("redisqueue_tasks_completed_total{queue=\"risk-detection\"} 1", StringComparison.Ordinal),
            Patience, "the busy API's worker should run the task");

        var idleText = await idleClient.GetStringAsync("/metrics");

        idleText.Should().NotContain("redisqueue_tasks_completed_total{", "each host's registry hears only its own meters");
        (await busy.Store.GetAsync(done.Id))!.Status.Should().Be(QueueTaskStatus.Completed);
    }

    [Fact]
    public async Task Metrics_AnswersWithStoreUp0_WhenTheStoreIsUnreachable()
    {
        using var api = ApiStores.Unreachable();
        using var client = api.CreateClient();

        var response = await client.GetAsync("/metrics");

        response.StatusCode.Should().Be(HttpStatusCode.OK, "a scrape must still answer when the store is down");
        var text = await response.Content.ReadAsStringAsync();
        text.Should().Contain("redisqueue_store_up 0").And.Contain("redisqueue_store_mode{store=\"redis\"} 1");
    }
}
