using QueueClient;
using QueueCtl.Monitor;
using QueueCtl.Tests.Monitor.Support;

namespace QueueCtl.Tests.Monitor;

/// <summary>The watch view's throughput: completions per minute from two stats readings, by the store's clock.</summary>
public sealed class ThroughputMeterTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Measure_IsUnknown_OnTheFirstReading()
    {
        new ThroughputMeter().Measure(Stats(Start, risk: 5, transcription: 1)).Should().BeNull();
    }

    [Fact]
    public void Measure_DividesTheNewCompletionsByTheStoreTimeBetweenReadings_PerQueueAndInTotal()
    {
        var meter = new ThroughputMeter();
        meter.Measure(Stats(Start, risk: 5, transcription: 1));

        var throughput = meter.Measure(Stats(Start.AddSeconds(30), risk: 8, transcription: 2))!;

        throughput.PerMinute.Should().Be(8, "4 completions in half a minute");
        throughput.Queues[Seed.Risk].Should().Be(6);
        throughput.Queues["transcription"].Should().Be(2);
    }

    [Fact]
    public void Measure_IsUnknown_WhenTheCountersWentDown()
    {
        var meter = new ThroughputMeter();
        meter.Measure(Stats(Start, risk: 5, transcription: 1));

        meter.Measure(Stats(Start.AddSeconds(2), risk: 0, transcription: 0)).Should().BeNull("the service restarted on an empty store");
    }

    [Fact]
    public void Measure_IsUnknown_WhenTheStoreClockDidNotMove()
    {
        var meter = new ThroughputMeter();
        meter.Measure(Stats(Start, risk: 5, transcription: 1));

        meter.Measure(Stats(Start, risk: 6, transcription: 1)).Should().BeNull();
    }

    [Fact]
    public void Measure_LeavesOutAQueue_WhenThePreviousReadingDidNotHaveIt()
    {
        var meter = new ThroughputMeter();
        var first = Stats(Start, risk: 5, transcription: 0);
        meter.Measure(first with { Queues = first.Queues.Where(q => q.Key == Seed.Risk).ToDictionary() });

        var throughput = meter.Measure(Stats(Start.AddMinutes(1), risk: 6, transcription: 3))!;

        throughput.Queues.Should().ContainKey(Seed.Risk).And.NotContainKey("transcription");
        throughput.PerMinute.Should().Be(4);
    }

    private static QueueStats Stats(DateTimeOffset at, long risk, long transcription)
    {
        static QueueFigures Figures(long completedTotal) => new(0, 0, 0, completedTotal, 0, 0, null, null, 0, completedTotal, completedTotal, 0);
        return new QueueStats("memory", 0, at, Figures(risk + transcription),
            new Dictionary<string, QueueFigures> { [Seed.Risk] = Figures(risk), ["transcription"] = Figures(transcription) });
    }
}
