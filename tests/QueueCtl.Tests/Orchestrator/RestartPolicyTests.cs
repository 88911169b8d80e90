using QueueCtl.Orchestration;

namespace QueueCtl.Tests.Orchestrator;

/// <summary>The restart policy's arithmetic: pure, so no process has to crash for it.</summary>
public sealed class RestartPolicyTests
{
    private static readonly RestartPolicy Policy = RestartPolicy.Default;

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(40, 30)]
    public void DelayAfter_DoublesUpToTheCap_WhenCrashesRepeat(int quickCrashes, int expectedSeconds) =>
        Policy.DelayAfter(quickCrashes).Should().Be(TimeSpan.FromSeconds(expectedSeconds));

    [Fact]
    public void NextQuickCrashes_ResetsTheCount_WhenTheRunWasHealthy()
    {
        Policy.NextQuickCrashes(4, TimeSpan.FromSeconds(31)).Should().Be(0);
        Policy.NextQuickCrashes(4, TimeSpan.FromSeconds(2)).Should().Be(5);
    }

    [Fact]
    public void ShouldGiveUp_IsTrue_WhenTheLimitIsReached()
    {
        Policy.ShouldGiveUp(Policy.MaxQuickCrashes - 1).Should().BeFalse();
        Policy.ShouldGiveUp(Policy.MaxQuickCrashes).Should().BeTrue();
    }
}
