using System.Net;
using System.Text.Json;
using QueueHttpApi.Tests.Support;
using QueueService.Stores;
using QueueService.Tasks;
using QueueService.Tests.Fixtures;
using QueueService.Tests.Support;

namespace QueueHttpApi.Tests.Monitoring;

public sealed class HealthEndpointTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(ApiStores.Memory)]
    [InlineData(ApiStores.Redis)]
    public async Task Health_IsHealthyWithEveryCheck_WhenTheStoreAnswersAndNothingWaits(string kind)
    {
        using var api = ApiStores.Create(kind, redis);
        using var client = api.CreateClient();

        var response = await client.GetAsync("/health");

        var body = await response.JsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body.ToString());
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        body.GetProperty("status").GetString().Should().Be("Healthy", body.ToString());
        var checks = body.GetProperty("checks");
        checks.EnumerateObject().Select(c => c.Name).Should().BeEquivalentTo("store", "backup", "workers");
        checks.GetProperty("store").GetProperty("data").GetProperty("store").GetString().Should().Be(kind);
        foreach (var check in checks.EnumerateObject())
        {
            check.Value.GetProperty("status").GetString().Should().Be("Healthy");
            check.Value.GetProperty("description").GetString().Should().NotBeNullOrWhiteSpace();
        }
    }

    [Fact]
    public async Task Health_IsUnhealthyWith503_WhenTheStoreIsUnreachable()
    {
        using var api = ApiStores.Unreachable();
        using var client = api.CreateClient();

        var response = await client.GetAsync("/health");

        var body = await response.JsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, body.ToString());
        body.GetProperty("status").GetString().Should().Be("Unhealthy");
        var store = body.GetProperty("checks").GetProperty("store");
        store.GetProperty("status").GetString().Should().Be("Unhealthy");
        store.GetProperty("description").GetString().Should().Contain("cannot be reached");
    }

    [Theory]
    [InlineData(ApiStores.Memory)]
    [InlineData(ApiStores.Redis)]
    public async Task Health_IsDegradedNamingTheQueue_WhenTasksAreQueuedAndNoLiveWorkerServesIt(string kind)
    {
        using var api = ApiStores.Create(kind, redis);
        using var client = api.CreateClient();
        await api.Store.EnqueueAsync(new NewTask("risk-detection", """{"text":"nobody reads me"}"""));
        await api.Store.RegisterWorkerAsync(Worker("elsewhere", "transcription"), TimeSpan.FromMinutes(1));

        var degraded = await client.GetAsync("/health");

        var body = await degraded.JsonAsync();
        degraded.StatusCode.Should().Be(HttpStatusCode.OK, "Degraded still answers 200");
        body.GetProperty("status").GetString().Should().Be("Degraded");
        var workers = body.GetProperty("checks").GetProperty("workers");
        workers.GetProperty("status").GetString().Should().Be("Degraded");
        workers.GetProperty("description").GetString().Should().Contain("risk-detection");
        workers.GetProperty("data").GetProperty("unserved").EnumerateArray().Select(q => q.GetString()).Should().Equal("risk-detection");

        await api.Store.RegisterWorkerAsync(Worker("reader", "risk-detection"), TimeSpan.FromMinutes(1));
        var healthy = await (await client.GetAsync("/health")).JsonAsync();
        healthy.GetProperty("checks").GetProperty("workers").GetProperty("status").GetString().Should().Be("Healthy",
            "a live worker now leases from the queue");
    }

    [Fact]
    public async Task Health_BackupIsDegraded_WhenNoBackupWasWrittenForTwoIntervalsSinceStart()
    {
        // The backup folder is a file: every backup fails, so none is ever written.
        var blocker = Path.Combine(Path.GetTempPath(), $"rq-not-a-folder-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(blocker, "in the way");
        try
        {
            using var api = ApiStores.Create(ApiStores.Memory, redis, settings: new Dictionary<string, string?>
            {
                ["Queue:Snapshots:Directory"] = blocker,
                ["Queue:Snapshots:BackupInterval"] = "00:00:01",
            });
            using var client = api.CreateClient();

            var body = await Eventually.MatchAsync(async ct => await (await client.GetAsync("/health", ct)).JsonAsync(),
                b => b.GetProperty("checks").GetProperty("backup").GetProperty("status").GetString() == "Degraded",
                Patience, "two 1 s intervals pass without a backup");

            body.GetProperty("status").GetString().Should().Be("Degraded");
            body.GetProperty("checks").GetProperty("backup").GetProperty("description").GetString().Should().Contain("No backup has been written");
        }
        finally
        {
            File.Delete(blocker);
        }
    }

    [Fact]
    public async Task Health_BackupIsHealthy_WhenTheOnlyBackupIsOldButTheProcessHasNotRunTwoIntervals()
    {
        // A valid snapshot left by an earlier process, a day old: the downtime before this start is not this
        // process's fault, so it is not Degraded until it has itself run two intervals (2 h here) without one.
        // Redis mode on the same namespace: Redis keeps its epoch, so nothing is restored and no fresh backup
        // follows at start (a restore would write one at once).
        var folder = Path.Combine(Path.GetTempPath(), $"rq-old-backup-{Guid.NewGuid():N}");
        var ns = RedisServerFixture.UniqueNamespace();
        try
        {
            var settings = new Dictionary<string, string?>
            {
                ["Queue:Snapshots:Directory"] = folder,
                ["Queue:Snapshots:BackupOnShutdown"] = "false",
            };
            using (var earlier = ApiFactory.OnRedis(redis.ConnectionString, ns, settings: settings))
            using (var admin = earlier.CreateAdminClient())
                (await admin.PostAsync("/admin/backup", null)).StatusCode.Should().Be(HttpStatusCode.OK);
            var file = Directory.GetFiles(folder, "snapshot-*.rqsnap").Should().ContainSingle().Subject;
            var dayAgo = DateTime.UtcNow.AddDays(-1);
            File.SetLastWriteTimeUtc(file, dayAgo);

            using var api = ApiFactory.OnRedis(redis.ConnectionString, ns, settings: settings);
            using var client = api.CreateClient();
            var backup = (await (await client.GetAsync("/health")).JsonAsync()).GetProperty("checks").GetProperty("backup");

            backup.GetProperty("status").GetString().Should().Be("Healthy", backup.ToString());
            backup.GetProperty("data").GetProperty("ageSeconds").GetDouble().Should().BeGreaterThan(86_000, "the old file is the last backup it sees");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData(ApiStores.Memory)]
    [InlineData(ApiStores.Redis)]
    public async Task Health_BackupIsHealthyWithItsAge_WhenPeriodicBackupsAreWritten(string kind)
    {
        using var api = ApiStores.Create(kind, redis, settings: new Dictionary<string, string?> { ["Queue:Snapshots:BackupInterval"] = "00:00:01" });
        using var client = api.CreateClient();

        var backup = await Eventually.MatchAsync(
            async ct => (await (await client.GetAsync("/health", ct)).JsonAsync()).GetProperty("checks").GetProperty("backup"),
            b => b.GetProperty("data").TryGetProperty("lastBackupAt", out _), Patience, "the periodic backup runs every second");

        backup.GetProperty("status").GetString().Should().Be("Healthy");
        backup.GetProperty("data").GetProperty("ageSeconds").GetDouble().Should().BeLessThan(2 * 1.0 + 1);
        Directory.EnumerateFiles(api.BackupDirectory, "snapshot-*.rqsnap").Should().NotBeEmpty();
    }

    [Fact]
    public async Task Health_BackupIsHealthy_WhenBackupsAreDisabled()
    {
        using var api = ApiStores.Create(ApiStores.Memory, redis, settings: new Dictionary<string, string?> { ["Queue:Snapshots:Enabled"] = "false" });
        using var client = api.CreateClient();

        var backup = (await (await client.GetAsync("/health")).JsonAsync()).GetProperty("checks").GetProperty("backup");

        backup.GetProperty("status").GetString().Should().Be("Healthy");
        backup.GetProperty("description").GetString().Should().Contain("disabled");
    }

    [Fact]
    public async Task Health_TranscriptionIsDegradedSayingWhatToInstall_WhenEmbeddedWorkersLackTheEngine()
    {
        using var api = ApiStores.Create(ApiStores.Memory, redis, embeddedWorkers: 1, settings: new Dictionary<string, string?>
        {
            ["Queue:Transcription:Pocketsphinx:Executable"] = "/nonexistent/pocketsphinx_continuous",
        });
        using var client = api.CreateClient();

        var body = await (await client.GetAsync("/health")).JsonAsync();

        body.GetProperty("status").GetString().Should().Be("Degraded");
        var transcription = body.GetProperty("checks").GetProperty("transcription");
        transcription.GetProperty("status").GetString().Should().Be("Degraded");
        transcription.GetProperty("description").GetString().Should()
            .Contain("apt-get install pocketsphinx pocketsphinx-en-us").And.Contain("/nonexistent/pocketsphinx_continuous");
        transcription.GetProperty("data").GetProperty("engine").GetString().Should().Be("pocketsphinx");
    }

    [Fact]
    public async Task Health_HasNoTranscriptionCheck_WhenThisProcessRunsNoWorkers()
    {
        using var api = ApiStores.Create(ApiStores.Memory, redis, embeddedWorkers: 0);
        using var client = api.CreateClient();

        var body = await (await client.GetAsync("/health")).JsonAsync();

        body.GetProperty("checks").TryGetProperty("transcription", out _).Should().BeFalse("no transcription runs in this process");
    }

    private static WorkerInfo Worker(string id, params string[] queues) =>
        new(id, "test-host", 1234, queues, 1, [], DateTimeOffset.UtcNow);
}
