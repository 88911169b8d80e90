using System.Text.Json;
using QueueCtl.Tests.Monitor.Support;
using QueueService.Tasks;

namespace QueueCtl.Tests.Monitor;

public sealed class ListCommandTests
{
    [Fact]
    public async Task List_ShowsOnlyTheTasksOfTheFilter_WhenGivenStatusAndType()
    {
        using var api = CtlApi.Start();
        var first = await Seed.QueuedAsync(api.Store, "one");
        var second = await Seed.QueuedAsync(api.Store, "two");
        var failed = await Seed.FailedAsync(api.Store, "the model crashed");
        var transcription = (await api.Store.EnqueueAsync(new NewTask(Seed.Transcription, """{"audioPath":"a.wav"}"""))).Id;

        var queued = await api.RunAsync("list", "--status", "queued", "--type", Seed.Risk);
        var failures = await api.RunAsync("list", "--status", "FAILED");

        queued.ExitCode.Should().Be(ExitCodes.Ok, queued.ToString());
        queued.Out.Should().Contain(first).And.Contain(second).And.NotContain(failed).And.NotContain(transcription);
        queued.Out.Should().MatchRegex($@"{first}\s+queued\s+[\d.]+ (ms|s)\s+risk-detection, position 1\s");
        queued.Out.Should().Contain("Tasks 1–2 of 2.");
        failures.ExitCode.Should().Be(ExitCodes.Ok, failures.ToString());
        failures.Out.Should().MatchRegex($@"{failed}\s+failed\s+[\d.]+ (ms|s)\s+risk-detection, after 1 attempt: the model crashed").And.NotContain(first);
    }

    [Fact]
    public async Task List_ReturnsThePageAsked_WhenGivenLimitAndOffset()
    {
        using var api = CtlApi.Start();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await Seed.QueuedAsync(api.Store, $"task {i}"));

        var json = await api.RunAsync("list", "--status", "queued", "--limit", "1", "--offset", "1", "--json");
        var human = await api.RunAsync("list", "--status", "queued", "--limit", "1", "--offset", "1");

        json.ExitCode.Should().Be(ExitCodes.Ok, json.ToString());
        var page = JsonDocument.Parse(json.Out).RootElement;
        page.GetProperty("total").GetInt64().Should().Be(3);
        page.GetProperty("offset").GetInt32().Should().Be(1);
        page.GetProperty("limit").GetInt32().Should().Be(1);
        var item = page.GetProperty("items").EnumerateArray().Should().ContainSingle().Subject;
        item.GetProperty("id").GetString().Should().Be(ids[1], "queued tasks list in run order");
        item.GetProperty("status").GetString().Should().Be("queued");
        item.GetProperty("queuePosition").GetInt64().Should().Be(2);
        human.Out.Should().Contain(ids[1]).And.NotContain(ids[0]).And.NotContain(ids[2]);
        human.Out.Should().Contain("Tasks 2–2 of 3. Next page: --offset 2.");
    }

    [Fact]
    public async Task List_SaysNoTasksMatch_WhenTheStoreIsEmpty()
    {
        using var api = CtlApi.Start();

        var result = await api.RunAsync("list");

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        result.Out.Trim().Should().Be("No tasks match.");
    }

    [Fact]
    public async Task List_FailsWithTheValidationProblemAndItsField_WhenTheTypeIsNoQueue()
    {
        using var api = CtlApi.Start();

        var result = await api.RunAsync("list", "--type", "risk-detektion");

        result.ExitCode.Should().Be(ExitCodes.Failure, result.ToString());
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().StartWith("queuectl: 400 The request is invalid: ").And.Contain("risk-detektion");
        lines.Should().Contain(line => line.StartsWith("queuectl:   type: ", StringComparison.Ordinal), "the field at fault is named");
        result.Out.Should().BeEmpty();
    }
}
