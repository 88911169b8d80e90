using QueueWorker;

namespace QueueWorker.Tests;

public sealed class WorkerCommandLineTests
{
    private static Dictionary<string, string?> Parse(params string[] args)
    {
        var parsed = WorkerCommandLine.Create((_, _) => Task.FromResult(0)).Parse(args);
        parsed.Errors.Should().BeEmpty();
        return WorkerCommandLine.ToConfiguration(parsed);
    }

    [Fact]
    public void ToConfiguration_MapsEveryOption_WhenAllAreGiven()
    {
        var settings = Parse("--worker-id", "w7", "--queues", "transcription, risk-detection", "--concurrency", "4", "--prefetch", "32");

        settings.Should().BeEquivalentTo(new Dictionary<string, string?>
        {
            ["Queue:Worker:WorkerId"] = "w7",
            ["Queue:Worker:Queues:0"] = "transcription",
            ["Queue:Worker:Queues:1"] = "risk-detection",
            ["Queue:Worker:Concurrency"] = "4",
            ["Queue:Worker:Prefetch"] = "32",
        });
    }

    [Fact]
    public void ToConfiguration_LeavesConfigurationAlone_WhenNoOptionIsGiven()
    {
        Parse().Should().BeEmpty("appsettings.json and the environment then decide");
    }

    [Fact]
    public void Parse_ReportsAnError_WhenConcurrencyIsNotANumber()
    {
        var parsed = WorkerCommandLine.Create((_, _) => Task.FromResult(0)).Parse(["--concurrency", "many"]);

        parsed.Errors.Should().ContainSingle().Which.Message.Should().Contain("--concurrency");
    }
}
