using System.Text.Json;
using QueueCtl.Tests.Monitor.Support;
using QueueHttpApi.Tests.Support;

namespace QueueCtl.Tests.Monitor;

/// <summary><c>clear</c>, <c>cleanup</c> and <c>backup</c>: the admin endpoints, with and without the key.</summary>
public sealed class AdminCommandTests
{
    [Fact]
    public async Task Clear_DeletesTheFinishedTasks_WithTheKeyOfQueueAdminApiKey()
    {
        using var api = CtlApi.Start();
        var completed = await Seed.CompletedAsync(api.Store);
        var failed = await Seed.FailedAsync(api.Store, "boom");
        var queued = await Seed.QueuedAsync(api.Store);
        var variables = new Dictionary<string, string?> { ["QUEUE_ADMIN_API_KEY"] = ApiFactory.AdminKey };

        var result = await Ctl.RunWithVariablesAsync(variables, "clear", "--hours", "0", "--url", api.Url);

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        result.Out.Trim().Should().Be("Deleted 2 finished tasks older than 0 h.");
        (await api.Store.GetAsync(completed)).Should().BeNull();
        (await api.Store.GetAsync(failed)).Should().BeNull();
        (await api.Store.GetAsync(queued)).Should().NotBeNull("queued tasks are never cleared");
    }

    [Fact]
    public async Task Clear_KeepsTasksYoungerThanTheHours_AndPrintsJson()
    {
        using var api = CtlApi.Start();
        var completed = await Seed.CompletedAsync(api.Store);

        var result = await api.RunAsAdminAsync("clear", "--hours", "1.5", "--json");

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        JsonDocument.Parse(result.Out).RootElement.GetProperty("deleted").GetInt64().Should().Be(0);
        (await api.Store.GetAsync(completed)).Should().NotBeNull("it finished moments ago");
    }

    [Fact]
    public async Task Cleanup_ReclaimsTheTask_WhenItsLeaseExpired()
    {
        using var api = CtlApi.Start();
        await api.Store.EnqueueAsync(new QueueService.Tasks.NewTask(Seed.Risk, """{"text":"orphan"}"""));
        var lease = (await api.Store.LeaseAsync("crashed-worker", [Seed.Risk], 1, TimeSpan.FromMilliseconds(50))).Single();
        // The lease runs out on the store's clock: poll until cleanup finds it (the reaper is set to an hour, so only cleanup can).
        var result = await QueueService.Tests.Support.Eventually.MatchAsync(_ => api.RunAsAdminAsync("cleanup"),
            r => r.ExitCode != ExitCodes.Ok || r.Out.Contains("requeued", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "cleanup should reclaim the task once its 50 ms lease has expired");

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        result.Out.Trim().Should().Be("Stuck tasks reclaimed: 1 requeued, 0 failed, 0 cancelled.");
        (await api.Store.GetAsync(lease.TaskId))!.Status.Should().Be(QueueService.Tasks.QueueTaskStatus.Queued);
    }

    [Fact]
    public async Task Cleanup_SaysNothingWasStuck_AndPrintsJson_WhenNoLeaseExpired()
    {
        using var api = CtlApi.Start();
        await Seed.ProcessingAsync(api.Store, "alive-worker", 10, "busy");

        var human = await api.RunAsAdminAsync("cleanup");
        var json = await api.RunAsAdminAsync("cleanup", "--json");

        human.Out.Trim().Should().Be("No stuck tasks.");
        var answer = JsonDocument.Parse(json.Out).RootElement;
        answer.GetProperty("requeued").GetInt32().Should().Be(0);
        answer.GetProperty("failed").GetInt32().Should().Be(0);
        answer.GetProperty("cancelled").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task Backup_WritesASnapshotOnTheServer_AndSaysWhere()
    {
        using var api = CtlApi.Start();
        await Seed.QueuedAsync(api.Store);
        await Seed.CompletedAsync(api.Store);

        var human = await api.RunAsAdminAsync("backup");
        var json = await api.RunAsAdminAsync("backup", "--json");

        human.ExitCode.Should().Be(ExitCodes.Ok, human.ToString());
        human.Out.Should().MatchRegex(@"^Backed up 2 tasks \([\d,]+ bytes, \d+ ms\) to .+\.rqsnap on the server\.");
        var answer = JsonDocument.Parse(json.Out).RootElement;
        answer.GetProperty("tasks").GetInt32().Should().Be(2);
        var file = answer.GetProperty("file").GetString()!;
        File.Exists(file).Should().BeTrue("the API wrote it");
        Path.GetDirectoryName(file).Should().Be(api.Api.BackupDirectory);
        answer.GetProperty("bytes").GetInt64().Should().Be(new FileInfo(file).Length);
    }

    [Theory]
    [InlineData("clear", "--hours", "1")]
    [InlineData("cleanup")]
    [InlineData("backup")]
    public async Task AdminCommand_FailsWithThe401Problem_WhenNoKeyIsGiven(params string[] args)
    {
        using var api = CtlApi.Start();

        var result = await api.RunAsync(args);

        result.ExitCode.Should().Be(ExitCodes.Failure, result.ToString());
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().Be("queuectl: 401 An admin API key is required: Admin endpoints need the X-Api-Key header.");
        lines[1].Should().Contain("--api-key").And.Contain("QUEUE_ADMIN_API_KEY");
        result.Out.Should().BeEmpty();
    }

    [Fact]
    public async Task Backup_FailsWithThe403Problem_WhenTheKeyIsWrong()
    {
        using var api = CtlApi.Start();

        var result = await api.RunAsync("backup", "--api-key", "guessed");

        result.ExitCode.Should().Be(ExitCodes.Failure, result.ToString());
        result.Error.Should().StartWith("queuectl: 403 Not allowed: The X-Api-Key header does not hold the admin API key.");
        var snapshots = Directory.Exists(api.Api.BackupDirectory) ? Directory.GetFiles(api.Api.BackupDirectory, "*.rqsnap") : [];
        snapshots.Should().BeEmpty("no snapshot was written");
    }
}
