using QueueService.Stores;
using QueueService.Tasks;
using QueueService.Tests.Fixtures;
using QueueService.Tests.Support;

namespace QueueWorker.Tests.Process;

/// <summary>The real QueueWorker process, against a real redis-server.</summary>
public sealed class WorkerProcessTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Worker_ExitsWithCode2AndSaysWhatToSet_WhenNoRedisIsConfigured()
    {
        await using var worker = WorkerProcess.Start(new Dictionary<string, string?>(), "--worker-id", "no-redis");

        var exitCode = await worker.WaitForExitAsync(Patience);

        exitCode.Should().Be(2);
        worker.Output.Should().Contain("REDIS_URL");
    }

    [Fact]
    public async Task Worker_ExitsWithCode2_WhenAnOptionIsMalformed()
    {
        await using var worker = WorkerProcess.Start(new Dictionary<string, string?>(), "--concurrency", "many");

        (await worker.WaitForExitAsync(Patience)).Should().Be(2);
        worker.Output.Should().Contain("--concurrency");
    }

    [Fact]
    public async Task Worker_ExitsWithCode2NamingTheLexicon_WhenTheConfiguredLexiconIsInvalid()
    {
        var lexicon = Path.Combine(Directory.CreateTempSubdirectory("rq-lexicon-").FullName, "bad.json");
        await File.WriteAllTextAsync(lexicon, """{ "categories": [ { "name": "fraud", "entries": [ { "phrase": "x", "weight": 7 } ] } ] }""");
        await using var worker = WorkerProcess.Start(new Dictionary<string, string?>
        {
            ["REDIS_URL"] = redis.ConnectionString,
            ["Queue__RiskDetection__LexiconPath"] = lexicon,
        });

        (await worker.WaitForExitAsync(Patience)).Should().Be(2);
        worker.Output.Should().Contain("risk lexicon").And.Contain("fraud");
    }

    [Fact]
    public async Task Worker_RunsARiskDetectionTaskFromRedis_AndStopsWithCode0_WhenSentSigterm()
    {
        var ns = RedisServerFixture.UniqueNamespace();
        await using var store = redis.CreateStore(ns);
        var risky = await store.EnqueueAsync(new NewTask("risk-detection", """{"text":"Just wire the money today."}"""));
        await using var worker = WorkerProcess.Start(new Dictionary<string, string?>
        {
            ["REDIS_URL"] = $"redis://{redis.ConnectionString}",
            ["Queue__Redis__Namespace"] = ns,
        }, "--worker-id", "process-test");

        var done = await Eventually.MatchAsync(ct => store.GetAsync(risky.Id, ct), t => t?.Status.IsFinished() == true,
            Patience, "the worker process should lease the task from Redis and run the risk-detection handler");
        done!.Status.Should().Be(QueueTaskStatus.Completed, done.LastError);
        done.WorkerId.Should().Be("process-test");
        done.ResultJson.Should().Contain("\"level\"").And.Contain("wire the money");

        worker.Terminate();
        (await worker.WaitForExitAsync(Patience)).Should().Be(0, "SIGTERM is a graceful stop. Output:\n" + worker.Output);
    }

    [Fact]
    public async Task Worker_FailsATaskOfAQueueItHasNoHandlerFor_WhenToldToServeIt()
    {
        var ns = RedisServerFixture.UniqueNamespace();
        await using var store = redis.CreateStore(ns);
        var queued = await store.EnqueueAsync(new NewTask("unhandled", "{}") { MaxRetries = 0 });
        await using var worker = WorkerProcess.Start(new Dictionary<string, string?>
        {
            ["REDIS_URL"] = $"redis://{redis.ConnectionString}",
            ["Queue__Redis__Namespace"] = ns,
        }, "--worker-id", "process-test", "--queues", "unhandled");

        // No handler serves this queue, so the worker fails the task permanently: proof that the
        // process leased it from Redis through the real runtime.
        var failed = await Eventually.MatchAsync(ct => store.GetAsync(queued.Id, ct), t => t?.Status == QueueTaskStatus.Failed,
            Patience, "the worker process should lease the task and fail it for want of a handler");
        failed!.WorkerId.Should().Be("process-test");
        failed.LastError.Should().Contain("unhandled");

        worker.Terminate();
        (await worker.WaitForExitAsync(Patience)).Should().Be(0, "SIGTERM is a graceful stop. Output:\n" + worker.Output);
    }
}
