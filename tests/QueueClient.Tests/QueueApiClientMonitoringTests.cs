using System.Net;
using Microsoft.AspNetCore.Http;
using QueueClient.Tests.Support;
using QueueHttpApi.Tests.Support;
using QueueService.Tests.Fixtures;
using QueueService.Tests.Support;

namespace QueueClient.Tests;

/// <summary>Stats, workers, health and the admin calls through the client, against the real API on Kestrel.</summary>
public sealed class QueueApiClientMonitoringTests
{
    [Fact]
    public async Task GetStats_CountsTheQueues_WhenTasksWait()
    {
        using var api = ClientTestSupport.StartEmbedded();
        using var client = ClientTestSupport.ClientOf(api);
        await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "one" });
        await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "two" });

        var stats = await client.GetStatsAsync();

        stats.Store.Should().Be("memory");
        stats.Totals.Queued.Should().Be(2);
        stats.Queues["risk-detection"].Queued.Should().Be(2);
        stats.Queues["risk-detection"].EnqueuedTotal.Should().Be(2);
    }

    [Fact]
    public async Task GetWorkers_ListsTheEmbeddedWorker_WhenOneRuns()
    {
        using var api = ClientTestSupport.StartEmbedded(embeddedWorkers: 1);
        using var client = ClientTestSupport.ClientOf(api);

        var workers = await Eventually.MatchAsync(ct => client.GetWorkersAsync(ct), w => w.Total == 1, TimeSpan.FromSeconds(10),
            "the embedded worker registers itself as it starts");

        var worker = workers.Items.Single();
        worker.Queues.Should().Contain("risk-detection");
        worker.Pid.Should().Be(Environment.ProcessId);
        worker.Concurrency.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task GetHealth_ReturnsAHealthyReport_WhenTheStoreAnswers()
    {
        using var api = ClientTestSupport.StartEmbedded();
        using var client = ClientTestSupport.ClientOf(api);

        var health = await client.GetHealthAsync();

        health.IsHealthy.Should().BeTrue(string.Join(", ", health.Checks.Select(c => $"{c.Key}={c.Value.Status}")));
        health.Checks.Keys.Should().Contain(["store", "backup", "workers"]);
        health.Checks["store"].Data!["store"].GetString().Should().Be("memory");
    }

    [Fact]
    public async Task GetHealth_ReturnsTheUnhealthyReportInsteadOfThrowing_WhenTheApiAnswers503()
    {
        // The Redis mode pointed at a loopback port nobody listens on, without the failover to memory (which would make
        // it Degraded): the store check fails and /health is 503.
        using var api = ClientTestSupport.Start(ApiFactory.OnRedis(
            $"127.0.0.1:{ClientTestSupport.ClosedPort()},connectTimeout=300,asyncTimeout=500,syncTimeout=500,connectRetry=0",
            RedisServerFixture.UniqueNamespace(), settings: ClientTestSupport.Quiet(new Dictionary<string, string?> { ["Queue:Failover:Enabled"] = "false" })));
        using var client = ClientTestSupport.ClientOf(api);

        var health = await client.GetHealthAsync();

        health.Status.Should().Be("Unhealthy");
        health.IsHealthy.Should().BeFalse();
        health.Checks["store"].Status.Should().Be("Unhealthy");
        health.Checks["store"].Description.Should().Contain("cannot be reached");
    }

    [Fact]
    public async Task Backup_WritesASnapshot_WhenTheKeyIsRight()
    {
        using var api = ClientTestSupport.StartEmbedded();
        using var client = ClientTestSupport.ClientOf(api);
        await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "keep me" });

        var backup = await client.BackupAsync();

        backup.Tasks.Should().Be(1);
        File.Exists(backup.File).Should().BeTrue();
        Path.GetDirectoryName(backup.File).Should().Be(api.BackupDirectory);
        backup.Bytes.Should().Be(new FileInfo(backup.File).Length);
    }

    [Fact]
    public async Task AdminCalls_AreUnauthorized_WhenNoKeyIsSent()
    {
        using var api = ClientTestSupport.StartEmbedded();
        using var client = ClientTestSupport.ClientOf(api, apiKey: null);

        foreach (var call in AdminCalls(client))
        {
            var refusal = (await call.Should().ThrowAsync<QueueApiException>()).Which;
            refusal.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            refusal.Title.Should().Be("An admin API key is required");
            refusal.Detail.Should().Contain("X-Api-Key");
        }
        Directory.Exists(api.BackupDirectory).Should().BeFalse("no backup was written");
    }

    [Fact]
    public async Task AdminCalls_AreForbidden_WhenTheKeyIsWrong()
    {
        using var api = ClientTestSupport.StartEmbedded();
        using var client = ClientTestSupport.ClientOf(api, apiKey: "not-the-key");

        foreach (var call in AdminCalls(client))
        {
            var refusal = (await call.Should().ThrowAsync<QueueApiException>()).Which;
            refusal.StatusCode.Should().Be(HttpStatusCode.Forbidden);
            refusal.Title.Should().Be("Not allowed");
        }
    }

    [Fact]
    public async Task AdminCalls_SendTheKeyFromTheEnvironment_WhenTheOptionsHaveNone()
    {
        using var api = ClientTestSupport.StartEmbedded();
        using var client = QueueApiClient.CreateOwning(new QueueClientOptions { BaseAddress = ClientTestSupport.AddressOf(api) },
            name => name == "QUEUE_ADMIN_API_KEY" ? ApiFactory.AdminKey : null, TimeProvider.System);

        var cleanup = await client.CleanupStuckTasksAsync();

        cleanup.Should().Be(new CleanupResult(0, 0, 0));
    }

    [Fact]
    public async Task CleanupStuckTasks_RequeuesATask_WhenItsLeaseExpired()
    {
        // No maintenance, so the API's own reaper cannot reclaim the task first.
        using var api = ClientTestSupport.StartEmbedded(settings: new Dictionary<string, string?> { ["Queue:Maintenance:Enabled"] = "false" });
        using var client = ClientTestSupport.ClientOf(api);
        var submitted = await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "stuck" });
        await api.Store.LeaseAsync("crashed-worker", ["risk-detection"], 1, TimeSpan.FromMilliseconds(200));
        await Eventually.TrueAsync(async ct => (await api.Store.GetAsync(submitted.Id, ct))!.LeaseExpiresAt < (await api.Store.GetStatsAsync(ct)).At,
            TimeSpan.FromSeconds(10), "the 200 ms lease should run out by the store's clock");

        var cleanup = await client.CleanupStuckTasksAsync();

        cleanup.Should().Be(new CleanupResult(Requeued: 1, Failed: 0, Cancelled: 0));
        (await client.GetTaskAsync(submitted.Id)).Status.Should().Be(QueueTaskStatus.Queued);
    }

    [Fact]
    public async Task ClearFinished_DeletesFinishedTasks_WhenOlderThanZeroHours()
    {
        using var api = ClientTestSupport.StartEmbedded();
        using var client = ClientTestSupport.ClientOf(api);
        var done = await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "done" });
        var waiting = await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "waiting" });
        await client.CancelAsync(done.Id);

        // Age 0 means "finished before now": a purge in the cancel's own millisecond finds nothing yet, so it is retried.
        var purge = await Eventually.MatchAsync(ct => client.ClearFinishedAsync(0, ct), p => p.Deleted > 0,
            TimeSpan.FromSeconds(10), "the cancelled task should be purged once the clock has moved past its finish");

        purge.Deleted.Should().Be(1);
        (await client.ListTasksAsync()).Items.Select(t => t.Id).Should().Equal(waiting.Id);
    }

    [Fact]
    public async Task ClearFinished_IsRefusedNamingOlderThanHours_WhenTheAgeIsNegative()
    {
        using var api = ClientTestSupport.StartEmbedded();
        using var client = ClientTestSupport.ClientOf(api);

        var act = () => client.ClearFinishedAsync(-1);

        var refusal = (await act.Should().ThrowAsync<QueueApiException>()).Which;
        refusal.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        refusal.Errors.Should().ContainKey("olderThanHours");
    }

    [Fact]
    public async Task Methods_ThrowTheStatusAndAnExcerpt_WhenTheErrorBodyIsNotJson()
    {
        await using var gateway = await LoopbackServer.StartAsync(async context =>
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html>\n<body><h1>502 Bad Gateway</h1>\n" + new string('x', 5000) + "</body></html>");
        });
        using var client = ClientTestSupport.ClientOf(gateway.Address);

        var refusal = (await client.Invoking(c => c.GetStatsAsync()).Should().ThrowAsync<QueueApiException>()).Which;

        refusal.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        refusal.Title.Should().Be("Bad Gateway");
        refusal.Detail.Should().StartWith("<html> <body><h1>502 Bad Gateway</h1> xxx").And.EndWith("…");
        refusal.Detail!.Length.Should().BeLessThan(300);
        refusal.Errors.Should().BeEmpty();
    }

    [Fact]
    public async Task Methods_ThrowHttpRequestException_WhenNothingListens()
    {
        using var client = ClientTestSupport.ClientOf(new Uri($"http://127.0.0.1:{ClientTestSupport.ClosedPort()}/"));

        await client.Invoking(c => c.GetStatsAsync()).Should().ThrowAsync<HttpRequestException>();
    }

    private static Func<Task>[] AdminCalls(QueueApiClient client) =>
    [
        () => client.BackupAsync(),
        () => client.CleanupStuckTasksAsync(),
        () => client.ClearFinishedAsync(1),
    ];
}
