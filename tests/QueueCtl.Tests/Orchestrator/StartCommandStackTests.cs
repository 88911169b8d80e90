using System.Net.Http.Json;
using System.Text.Json;
using QueueService.Tests.Support;

namespace QueueCtl.Tests.Orchestrator;

/// <summary>
/// <c>queuectl start</c> on a real stack: a redis-server it starts, the built QueueHttpApi and QueueWorker
/// dlls under <c>dotnet</c>, on free loopback ports, a temp data directory.
/// </summary>
public sealed class StartCommandStackTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly StackRun _run = StackRun.Create();
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Start_RunsTasksAndStopsInReverseOrder_WhenCancelled()
    {
        _run.Start(_run.StandardArgs("--workers", "1"));
        await _run.WaitUntilUpAsync();

        // Start order, from the children's own output: Redis ready, then the API, then the worker.
        var redisReady = _run.IndexOf(l => l.StartsWith("[redis]", StringComparison.Ordinal) && l.Contains("Ready to accept connections", StringComparison.Ordinal), "redis-server ready");
        var apiFirst = _run.IndexOf(l => l.StartsWith("[api]", StringComparison.Ordinal), "the API's first line");
        var apiHealthy = _run.IndexOf(l => l.StartsWith("[queuectl] api up", StringComparison.Ordinal), "the API answering /health");
        var workerStarted = _run.IndexOf(l => l.StartsWith("[queuectl] worker-1 started", StringComparison.Ordinal), "the worker started");
        redisReady.Should().BeLessThan(apiFirst, "the API starts once Redis answers PING");
        apiHealthy.Should().BeLessThan(workerStarted, "workers start once the API answers /health");
        _run.Lines.Should().Contain(l => l.StartsWith("[api]", StringComparison.Ordinal) && l.Contains("redis mode", StringComparison.Ordinal),
            "the API runs on the Redis queuectl started, not in memory");

        // A task goes through the started worker.
        using var submit = await Http.PostAsJsonAsync(new Uri(_run.ApiUrl, "tasks/risk-detection"), new { text = "Please wire the money today" });
        submit.StatusCode.Should().Be(System.Net.HttpStatusCode.Accepted, await submit.Content.ReadAsStringAsync());
        var id = (await submit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var task = await Eventually.MatchAsync(
            async ct => await Http.GetFromJsonAsync<JsonElement>(new Uri(_run.ApiUrl, $"tasks/{id}"), ct),
            t => t.GetProperty("status").GetString() == "completed", Patience, "the started worker should complete the task");
        task.GetProperty("workerId").GetString().Should().Be("worker-1");

        var pids = _run.ChildPids();
        pids.Should().HaveCount(3, "redis, the API and one worker");
        Directory.GetFiles(Path.Combine(_run.DataDirectory, "backups"), "*.rqsnap").Should().BeEmpty("no backup was due yet");

        (await _run.StopAsync()).Should().Be(0, _run.Transcript);

        var workerStopped = _run.IndexOf(l => l.StartsWith("[queuectl] worker-1 stopped (exit code 0)", StringComparison.Ordinal), "the worker stopped");
        var apiStopped = _run.IndexOf(l => l.StartsWith("[queuectl] api stopped (exit code 0)", StringComparison.Ordinal), "the API stopped");
        var redisStopped = _run.IndexOf(l => l.StartsWith("[queuectl] redis stopped (exit code 0)", StringComparison.Ordinal), "redis-server stopped");
        workerStopped.Should().BeLessThan(apiStopped);
        apiStopped.Should().BeLessThan(redisStopped);
        pids.Where(StackRun.IsAlive).Should().BeEmpty("every child is gone after the stop");
        Directory.GetFiles(Path.Combine(_run.DataDirectory, "backups"), "*.rqsnap").Should().NotBeEmpty("the API takes a snapshot as it stops");
        Directory.EnumerateFiles(Path.Combine(_run.DataDirectory, "redis"), "*.aof", SearchOption.AllDirectories).Should().NotBeEmpty("redis-server runs with appendonly yes");
        StackRun.IsListening(_run.RedisPort).Should().BeFalse("the redis-server queuectl started is stopped");
    }

    [Fact]
    public async Task Start_RestartsAWorker_WhenItIsKilled()
    {
        _run.Start(_run.StandardArgs("--workers", "1"));
        await _run.WaitUntilUpAsync();
        var first = _run.LatestPidOf("worker-1");
        await Eventually.TrueAsync(async ct => (await WorkerPidsAsync(ct)).Contains(first), Patience, "the worker registers with its pid");

        using (var process = System.Diagnostics.Process.GetProcessById(first)) process.Kill(); // SIGKILL on Linux: a crash

        await _run.WaitForLineAsync(l => l.StartsWith("[queuectl] worker-1 restarted", StringComparison.Ordinal), Patience, "queuectl restarts a crashed worker");
        var second = _run.LatestPidOf("worker-1");
        second.Should().NotBe(first);
        await Eventually.TrueAsync(async ct => (await WorkerPidsAsync(ct)).Contains(second), Patience,
            "the restarted worker registers again under its id, with its new pid");
        _run.Lines.Should().Contain(l => l.StartsWith("[queuectl] worker-1 exited unexpectedly", StringComparison.Ordinal), "the crash is logged");

        (await _run.StopAsync()).Should().Be(0, _run.Transcript);
        _run.ChildPids().Where(StackRun.IsAlive).Should().BeEmpty();
    }

    private async Task<List<int>> WorkerPidsAsync(CancellationToken cancellationToken)
    {
        var workers = await Http.GetFromJsonAsync<JsonElement>(new Uri(_run.ApiUrl, "workers"), cancellationToken);
        return workers.GetProperty("items").EnumerateArray()
            .Where(w => w.GetProperty("id").GetString() == "worker-1")
            .Select(w => w.GetProperty("pid").GetInt32()).ToList();
    }

    /// <inheritdoc/>
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc/>
    public async Task DisposeAsync() => await _run.DisposeAsync();
}
