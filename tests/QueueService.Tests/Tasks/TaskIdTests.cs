using Microsoft.Extensions.Time.Testing;
using QueueService.Tasks;

namespace QueueService.Tests.Tasks;

public sealed class TaskIdTests
{
    [Fact]
    public void NewTaskId_IsAVersion7GuidCarryingTheClocksMillisecond()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-07T14:30:00.123Z", System.Globalization.CultureInfo.InvariantCulture));

        var id = TaskLimits.NewTaskId(time);

        var guid = Guid.Parse(id);
        guid.Version.Should().Be(7);
        (guid.Variant & 0b1100).Should().Be(0b1000, "the RFC 9562 variant is 10xx");
        var bytes = guid.ToByteArray(bigEndian: true);
        var ms = 0L;
        for (var i = 0; i < 6; i++) ms = (ms << 8) | bytes[i];
        ms.Should().Be(time.GetUtcNow().ToUnixTimeMilliseconds());
        id.Should().MatchRegex("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
        TaskLimits.IsValidTaskId(id).Should().BeTrue();
    }

    [Fact]
    public void NewTaskId_IsUniqueAndSortsByTime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        var ids = new List<string>();
        for (var i = 0; i < 50_000; i++)
        {
            ids.Add(TaskLimits.NewTaskId(time));
            if (i % 1000 == 999) time.Advance(TimeSpan.FromMilliseconds(1));
        }

        ids.Should().OnlyHaveUniqueItems();
        var firstOfEachMillisecond = ids.Where((_, i) => i % 1000 == 0).ToList();
        firstOfEachMillisecond.Should().BeInAscendingOrder(StringComparer.Ordinal, "ids of later milliseconds sort after earlier ones");
    }
}
