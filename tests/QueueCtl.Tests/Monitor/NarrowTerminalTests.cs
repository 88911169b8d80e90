using QueueClient;
using QueueCtl.Monitor;
using QueueCtl.Tests.Monitor.Support;

namespace QueueCtl.Tests.Monitor;

/// <summary>
/// The tables on an 80-column terminal (what Spectre.Console assumes when output is redirected): task ids are never
/// wrapped or cut, so they can be copied or grepped, and no line is wider than the terminal.
/// </summary>
public sealed class NarrowTerminalTests
{
    private const string Id = "01a2092b-e87f-7e7b-8c64-7b713de9e732";

    [Fact]
    public void WatchFrame_KeepsTaskIdsWholeAndFitsTheWidth_WhenTheTerminalIs80ColumnsWide()
    {
        var ctl = new Ctl(width: 80);
        var at = DateTimeOffset.UtcNow;
        var figures = new QueueFigures(12, 1, 1, 40, 2, 1, 12.4, 95.2, 1, 56, 40, 2);
        var stats = new QueueStats("redis", 1, at, figures, new Dictionary<string, QueueFigures> { ["risk-detection"] = figures, ["transcription"] = figures });
        var task = new QueueTask
        {
            Id = Id, Type = "transcription", Status = QueueTaskStatus.Processing, StartedAt = at.AddSeconds(-95), WorkerId = "box-a-4711",
            Progress = new TaskProgress(60, "chunk 6 of 10, a message long enough to need wrapping in a narrow terminal"),
        };
        var worker = new WorkerInfo("box-a-4711", "box-a", 4711, ["transcription", "risk-detection"], 2, [Id], at.AddHours(-1), at);
        var sample = new WatchSample(at, stats, new WorkerList([worker], 1), new TaskPage([task], 1, 0, 10),
            new Throughput(3, new Dictionary<string, double> { ["transcription"] = 1, ["risk-detection"] = 2 }));

        ctl.Console.Write(WatchFrame.Render(sample, TimeSpan.FromSeconds(2), failure: null, failedAt: null, unicode: false));

        var lines = ctl.Out.Text.Split('\n');
        lines.Should().Contain(line => line.Contains(Id, StringComparison.Ordinal), "the id is on one line:\n" + ctl.Out.Text);
        lines.Should().OnlyContain(line => line.TrimEnd().Length <= 80, "every line fits:\n" + ctl.Out.Text);
        ctl.Out.Text.Should().Contain("######----  60%").And.Contain("3/min").And.Contain("2/min");
    }

    [Fact]
    public void Stats_FitsTheWidth_WhenTheTerminalIs80ColumnsWide()
    {
        var ctl = new Ctl(width: 80);
        var figures = new QueueFigures(1_234_567, 1, 1, 40, 2, 1, 12.4, 95.2, 1, 56, 40, 2);
        var stats = new QueueStats("redis", 1, DateTimeOffset.UtcNow, figures,
            new Dictionary<string, QueueFigures> { ["risk-detection"] = figures, ["transcription"] = figures });

        ServiceCommands.WriteStats(ctl.Console, stats);

        ctl.Out.Text.Split('\n').Should().OnlyContain(line => line.TrimEnd().Length <= 80, ctl.Out.Text);
        ctl.Out.Text.Should().MatchRegex(@"queued\s+1,234,567\s+1,234,567\s+1,234,567");
    }

    [Fact]
    public void List_KeepsTaskIdsWholeAndFitsTheWidth_WhenTheTerminalIs80ColumnsWide()
    {
        var ctl = new Ctl(width: 80);
        var at = DateTimeOffset.UtcNow;
        var tasks = new[]
        {
            new QueueTask { Id = Id, Type = "risk-detection", Status = QueueTaskStatus.Queued, CreatedAt = at, QueuePosition = 12, MaxRetries = 3 },
            new QueueTask { Id = Id.Replace('a', 'b'), Type = "transcription", Status = QueueTaskStatus.Processing, CreatedAt = at, Attempts = 1, MaxRetries = 3,
                WorkerId = "box-a-4711", Progress = new TaskProgress(60, "chunk 6 of 10") },
            new QueueTask { Id = Id.Replace('a', 'c'), Type = "transcription", Status = QueueTaskStatus.Failed, CreatedAt = at, Attempts = 4, MaxRetries = 3,
                Error = "The engine could not read the audio: the file is not a WAV file (no RIFF header)." },
        };

        TaskCommands.WriteList(ctl.Console, new TaskPage(tasks, 3, 0, 50));

        var lines = ctl.Out.Text.Split('\n');
        foreach (var task in tasks) lines.Should().Contain(line => line.Contains(task.Id, StringComparison.Ordinal), "each id is on one line:\n" + ctl.Out.Text);
        lines.Should().OnlyContain(line => line.TrimEnd().Length <= 80, "every line fits:\n" + ctl.Out.Text);
        ctl.Out.Text.Should().Contain("processing").And.Contain("failed").And.Contain("position 12");
    }
}
