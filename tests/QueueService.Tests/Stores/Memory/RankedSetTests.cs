using QueueService.Stores.Memory;

namespace QueueService.Tests.Stores.Memory;

public sealed class RankedSetTests
{
    private static readonly Comparer<RankedEntry> Order = Comparer<RankedEntry>.Create((a, b) =>
    {
        var c = a.Score.CompareTo(b.Score);
        return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
    });

    [Fact]
    public void Operations_MatchASortedReference_WhenRandomlyMixed()
    {
        var random = new Random(42);
        var set = new RankedSet();
        var reference = new List<RankedEntry>();

        for (var step = 0; step < 20_000; step++)
        {
            // Few distinct scores, so ties broken by id are exercised constantly.
            var entry = new RankedEntry(random.Next(0, 50), "id-" + random.Next(0, 400));
            var at = reference.BinarySearch(entry, Order);
            if (random.Next(3) == 0)
            {
                set.Remove(entry.Score, entry.Id).Should().Be(at >= 0);
                if (at >= 0) reference.RemoveAt(at);
            }
            else
            {
                set.Add(entry.Score, entry.Id).Should().Be(at < 0);
                if (at < 0) reference.Insert(~at, entry);
            }
            set.Count.Should().Be(reference.Count);

            if (step % 500 == 0) AssertSame(set, reference);
        }
        AssertSame(set, reference);
    }

    [Fact]
    public void RankAndElementAt_AreInverse_BothWays()
    {
        var set = new RankedSet();
        var random = new Random(7);
        for (var i = 0; i < 2_000; i++) set.Add(random.NextInt64(-1_000_000, 1_000_000), $"t{i}");

        for (var rank = 0; rank < set.Count; rank++)
        {
            var entry = set.ElementAt(rank);
            set.Rank(entry.Score, entry.Id).Should().Be(rank);
        }
        set.Rank(5, "absent").Should().Be(-1);
    }

    [Fact]
    public void Range_StartsAtTheRank_InBothDirections()
    {
        var set = new RankedSet();
        for (var i = 0; i < 100; i++) set.Add(i / 10, $"id{i:D3}");
        var ascending = Enumerable.Range(0, 100).Select(i => new RankedEntry(i / 10, $"id{i:D3}")).ToList();

        set.Range(0).Should().Equal(ascending);
        set.Range(37).Take(5).Should().Equal(ascending.Skip(37).Take(5));
        set.Range(0, descending: true).Should().Equal(Enumerable.Reverse(ascending));
        set.Range(37, descending: true).Take(5).Should().Equal(Enumerable.Reverse(ascending).Skip(37).Take(5));
        set.Range(100).Should().BeEmpty();
        set.Range(99, descending: true).Should().Equal(ascending[0]);
    }

    [Fact]
    public void Range_Throws_WhenTheSetChangesDuringEnumeration()
    {
        var set = new RankedSet();
        set.Add(1, "a");
        set.Add(2, "b");

        var act = () =>
        {
            foreach (var entry in set.Range(0)) set.Add(entry.Score + 10, entry.Id + "x");
        };

        act.Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void TryGetMin_FindsTheLowest_AndNothingWhenEmpty()
    {
        var set = new RankedSet();
        set.TryGetMin(out _).Should().BeFalse();
        set.Add(5, "b");
        set.Add(5, "a");
        set.Add(9, "c");

        set.TryGetMin(out var min).Should().BeTrue();
        min.Should().Be(new RankedEntry(5, "a"));
    }

    [Fact]
    public void ElementAt_Throws_WhenOutOfRange()
    {
        var set = new RankedSet();
        set.Add(1, "a");

        set.Invoking(s => s.ElementAt(1)).Should().Throw<ArgumentOutOfRangeException>();
        set.Invoking(s => s.ElementAt(-1)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Rank_StaysCheap_WhenTheSetHoldsAMillionMembers()
    {
        // A correctness check at the size the store must serve; speed is measured in bench/, not here.
        var set = new RankedSet();
        for (var i = 1; i <= 1_000_000; i++) set.Add(i, "t");
        set.Count.Should().Be(1_000_000);
        set.Rank(750_000, "t").Should().Be(749_999);
        set.ElementAt(999_999).Should().Be(new RankedEntry(1_000_000, "t"));
        set.Range(999_998, descending: true).First().Should().Be(new RankedEntry(2, "t"));
    }

    private static void AssertSame(RankedSet set, List<RankedEntry> reference)
    {
        set.Range(0).Should().Equal(reference);
        for (var rank = 0; rank < reference.Count; rank += 7)
        {
            set.ElementAt(rank).Should().Be(reference[rank]);
            set.Rank(reference[rank].Score, reference[rank].Id).Should().Be(rank);
        }
    }
}
