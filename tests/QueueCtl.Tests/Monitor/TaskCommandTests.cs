using System.Text.Json;
using QueueCtl.Tests.Monitor.Support;
using QueueService.Tasks;

namespace QueueCtl.Tests.Monitor;

/// <summary><c>show</c>, <c>cancel</c> and <c>retry</c> against the real API.</summary>
public sealed class TaskCommandTests
{
    [Fact]
    public async Task Show_PrintsStatusProgressAndWorker_WhenTheTaskIsProcessing()
    {
        using var api = CtlApi.Start();
        var lease = await Seed.ProcessingAsync(api.Store, "worker-7", 40, "chunk 2 of 5");

        var result = await api.RunAsync("show", lease.TaskId);

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        result.Out.Should().MatchRegex($@"Id\s+{lease.TaskId}");
        result.Out.Should().MatchRegex(@"Status\s+processing");
        result.Out.Should().MatchRegex(@"Attempts\s+1 of 4");
        result.Out.Should().MatchRegex(@"Worker\s+worker-7");
        result.Out.Should().MatchRegex(@"Progress\s+#{8}-{12}\s+40%\s+chunk 2 of 5", "a 20-cell bar, 40% filled, on a console without Unicode");
        result.Out.Should().Contain("""{"text":"working"}""");
    }

    [Fact]
    public async Task Show_PrintsTheErrorHistory_WhenTheTaskFailed()
    {
        using var api = CtlApi.Start();
        var id = await Seed.FailedAsync(api.Store, "the model crashed");

        var result = await api.RunAsync("show", id);

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        result.Out.Should().MatchRegex(@"Status\s+failed");
        result.Out.Should().MatchRegex(@"Error\s+the model crashed");
        result.Out.Should().Contain("Errors").And.MatchRegex(@"1\s+error\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+the model crashed");
    }

    [Fact]
    public async Task Show_PrintsTheApisJson_WhenAskedForJson()
    {
        using var api = CtlApi.Start();
        var id = await Seed.QueuedAsync(api.Store, "score me", priority: 7);

        var result = await api.RunAsync("show", id, "--json");

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        var task = JsonDocument.Parse(result.Out).RootElement;
        task.GetProperty("id").GetString().Should().Be(id);
        task.GetProperty("type").GetString().Should().Be(Seed.Risk);
        task.GetProperty("status").GetString().Should().Be("queued");
        task.GetProperty("priority").GetInt32().Should().Be(7);
        task.GetProperty("queuePosition").GetInt64().Should().Be(1);
        task.GetProperty("payload").GetProperty("text").GetString().Should().Be("score me");
        task.GetProperty("result").ValueKind.Should().Be(JsonValueKind.Null, "nulls are kept, as the API writes them");
    }

    [Theory]
    [InlineData("show")]
    [InlineData("cancel")]
    [InlineData("retry")]
    public async Task TaskCommand_FailsWithThe404Problem_WhenNoTaskHasTheId(string command)
    {
        using var api = CtlApi.Start();

        var result = await api.RunAsync(command, "no-such-task");

        result.ExitCode.Should().Be(ExitCodes.Failure, result.ToString());
        result.Error.Trim().Should().Be("queuectl: 404 Task not found: No task has the id 'no-such-task' (or it was purged).");
        result.Out.Should().BeEmpty();
    }

    [Fact]
    public async Task Cancel_CancelsTheTask_WhenItIsQueued()
    {
        using var api = CtlApi.Start();
        var id = await Seed.QueuedAsync(api.Store);

        var result = await api.RunAsync("cancel", id);

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        result.Out.Trim().Should().Be($"Task {id} is cancelled.");
        (await api.Store.GetAsync(id))!.Status.Should().Be(QueueTaskStatus.Cancelled);
    }

    [Fact]
    public async Task Cancel_AsksTheWorkerToStop_WhenTheTaskIsProcessing()
    {
        using var api = CtlApi.Start();
        var lease = await Seed.ProcessingAsync(api.Store, "worker-7", 10, "starting");

        var result = await api.RunAsync("cancel", lease.TaskId, "--json");

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        var task = JsonDocument.Parse(result.Out).RootElement;
        task.GetProperty("status").GetString().Should().Be("processing");
        task.GetProperty("cancelRequested").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Cancel_FailsWithThe409Problem_AndLeavesTheTask_WhenItIsFinished()
    {
        using var api = CtlApi.Start();
        var id = await Seed.CompletedAsync(api.Store);

        var result = await api.RunAsync("cancel", id);

        result.ExitCode.Should().Be(ExitCodes.Failure, result.ToString());
        result.Error.Should().StartWith("queuectl: 409 Not allowed in the task's current status: ").And.Contain("completed");
        (await api.Store.GetAsync(id))!.Status.Should().Be(QueueTaskStatus.Completed);
    }

    [Fact]
    public async Task Retry_QueuesTheTaskAgain_WhenItFailed()
    {
        using var api = CtlApi.Start();
        var id = await Seed.FailedAsync(api.Store, "flaky");

        var result = await api.RunAsync("retry", id);

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        result.Out.Trim().Should().Be($"Task {id} is queued again, position 1 in risk-detection.");
        (await api.Store.GetAsync(id))!.Status.Should().Be(QueueTaskStatus.Queued);
    }

    [Fact]
    public async Task Retry_FailsWithThe409Problem_AndLeavesTheTask_WhenItIsQueued()
    {
        using var api = CtlApi.Start();
        var id = await Seed.QueuedAsync(api.Store);

        var result = await api.RunAsync("retry", id, "--json");

        result.ExitCode.Should().Be(ExitCodes.Failure, result.ToString());
        result.Error.Should().StartWith("queuectl: 409 ").And.Contain("queued");
        result.Out.Should().BeEmpty("a refusal prints no JSON");
        (await api.Store.GetAsync(id))!.Status.Should().Be(QueueTaskStatus.Queued);
    }
}
