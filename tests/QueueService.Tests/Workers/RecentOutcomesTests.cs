using Microsoft.Extensions.Time.Testing;
using QueueService.Stores;
using QueueService.Workers;

namespace QueueService.Tests.Workers;

/// <summary>The worker's memory of recorded outcomes: found by lease, and bounded by age, count and text size.</summary>
public sealed class RecentOutcomesTests
{
    private static readonly TimeSpan Retention = TimeSpan.FromMinutes(15);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private static TaskLease Lease(string taskId, long token, string payloadJson = "{}") =>
        new(taskId, "work", payloadJson, 0, 1, 3, "w1", token, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Find_ReturnsTheOutcomeOfThatLeaseOnly_WhenSeveralAreKept()
    {
        var recent = new RecentOutcomes(Retention, _time);
        recent.Remember(Lease("t1", 7, payloadJson: """{"big":"payload"}"""), HeldOutcome.Completed("\"done\"")).Should().BeTrue();
        recent.Remember(Lease("t2", 8), HeldOutcome.Failed(new TaskFailure("boom"))).Should().BeTrue();

        var found = recent.Find("t1", 7);

        found.Should().NotBeNull();
        found!.Value.Outcome.Should().Be(HeldOutcome.Completed("\"done\""));
        found.Value.Lease.LeaseToken.Should().Be(7);
        found.Value.Lease.PayloadJson.Should().BeEmpty("the payload is not needed to record an outcome and is not kept");
        recent.Find("t1", 6).Should().BeNull("another lease of the same task is another attempt");
        recent.Find("t2", 8)!.Value.Outcome.Failure!.Message.Should().Be("boom");
    }

    [Fact]
    public void Find_ReturnsNothing_WhenTheOutcomeIsOlderThanTheRetention()
    {
        var recent = new RecentOutcomes(Retention, _time);
        recent.Remember(Lease("old", 1), HeldOutcome.Completed("1"));
        _time.Advance(TimeSpan.FromMinutes(10));
        recent.Remember(Lease("young", 2), HeldOutcome.Completed("2"));

        _time.Advance(TimeSpan.FromMinutes(6));

        recent.Find("old", 1).Should().BeNull("it was recorded 16 minutes ago");
        recent.Find("young", 2).Should().NotBeNull("it was recorded 6 minutes ago");
        recent.Count.Should().Be(1);
    }

    [Fact]
    public void Remember_DropsTheOldest_WhenTheEntryLimitIsReached()
    {
        var recent = new RecentOutcomes(Retention, _time, maxEntries: 3);
        for (var i = 1; i <= 5; i++)
            recent.Remember(Lease($"t{i}", i), HeldOutcome.Released);

        recent.Count.Should().Be(3);
        recent.Find("t1", 1).Should().BeNull();
        recent.Find("t2", 2).Should().BeNull();
        recent.Find("t5", 5).Should().NotBeNull();
    }

    [Fact]
    public void Remember_DropsTheOldest_WhenTheTextLimitIsReached()
    {
        var result = new string('x', 100); // 200 bytes in memory
        var recent = new RecentOutcomes(Retention, _time, maxTextBytes: 500);
        recent.Remember(Lease("t1", 1), HeldOutcome.Completed(result));
        recent.Remember(Lease("t2", 2), HeldOutcome.Completed(result));

        recent.Remember(Lease("t3", 3), HeldOutcome.Completed(result));

        recent.Find("t1", 1).Should().BeNull("three results of 200 bytes do not fit in 500");
        recent.Find("t3", 3).Should().NotBeNull();
        recent.TextBytes.Should().Be(400);
    }

    [Fact]
    public void Remember_KeepsNothing_WhenOneResultExceedsTheTextLimitOrRetentionIsZero()
    {
        var bounded = new RecentOutcomes(Retention, _time, maxTextBytes: 100);
        bounded.Remember(Lease("small", 1), HeldOutcome.Completed("1")).Should().BeTrue();

        bounded.Remember(Lease("huge", 2), HeldOutcome.Completed(new string('x', 51))).Should().BeFalse();

        bounded.Find("small", 1).Should().NotBeNull("an outcome too large to keep must not push out the others");
        new RecentOutcomes(TimeSpan.Zero, _time).Remember(Lease("t", 1), HeldOutcome.Released).Should().BeFalse();
    }

    [Fact]
    public void Remember_ReplacesTheOutcome_WhenTheSameLeaseIsRememberedAgain()
    {
        var recent = new RecentOutcomes(Retention, _time);
        recent.Remember(Lease("t1", 1), HeldOutcome.Completed("\"first\""));

        recent.Remember(Lease("t1", 1), HeldOutcome.Completed("\"second, longer\""));

        recent.Count.Should().Be(1);
        recent.Find("t1", 1)!.Value.Outcome.ResultJson.Should().Be("\"second, longer\"");
        recent.TextBytes.Should().Be("\"second, longer\"".Length * sizeof(char));
    }
}
