using QueueWorker.Handlers.RiskDetection;

namespace QueueWorker.Tests.Handlers.RiskDetection;

public sealed class RiskScorerTests
{
    private static readonly RiskScorer Default = new(RiskLexicon.LoadDefault());

    private static RiskScorer With(string entries) => new(RiskLexicon.Parse(
        $$"""{ "categories": [ { "name": "fraud", "entries": [ {{entries}} ] } ] }"""));

    [Theory]
    [InlineData("Please WIRE THE MONEY today.")]
    [InlineData("Wire the money!!")]
    [InlineData("wire   the\nmoney")]
    [InlineData("wire, the... money")]
    [InlineData("wire\tthe\r\nMoney?")]
    public void Score_MatchesPhrase_IgnoringCasePunctuationAndWhitespace(string text)
    {
        var result = With("""{ "phrase": "wire the money", "weight": 0.6 }""").Score(text);

        result.Matches.Should().ContainSingle().Which.Phrase.Should().Be("wire the money");
    }

    [Theory]
    [InlineData("She has real skill.")]
    [InlineData("The killer whale swam by.")]
    [InlineData("Overkill is fine.")]
    public void Score_DoesNotMatch_WhenPhraseIsOnlyPartOfAWord(string text)
    {
        var result = With("""{ "phrase": "kill", "weight": 0.6 }""").Score(text);

        result.Matches.Should().BeEmpty();
        result.Level.Should().Be(RiskLevels.None);
    }

    [Fact]
    public void Score_ReportsOffsetsIntoTheOriginalText_WhenPhraseSpansPunctuationAndWhitespace()
    {
        const string text = "OK so... Wire   the\nMONEY!! now";

        var match = With("""{ "phrase": "wire the money", "weight": 0.6 }""").Score(text).Matches.Should().ContainSingle().Subject;

        text[match.Start..match.End].Should().Be("Wire   the\nMONEY");
        match.Category.Should().Be("fraud");
        match.Weight.Should().Be(0.6);
    }

    [Fact]
    public void Score_ReportsOffsetsIntoTheOriginalText_ForRegexMatches()
    {
        const string text = "Card: 4111 1111 1111 1111, thanks";

        var match = Default.Score(text).Matches.Should().ContainSingle().Subject;

        text[match.Start..match.End].Should().Be("4111 1111 1111 1111");
        match.Category.Should().Be("data-leakage");
    }

    [Fact]
    public void Score_ReportsEveryOccurrenceInOrder_WhenPhraseRepeats()
    {
        const string text = "wire the money. Then wire the money again.";

        var result = With("""{ "phrase": "wire the money", "weight": 0.5 }""").Score(text);

        result.Matches.Select(m => m.Start).Should().Equal(0, 21);
        result.RiskScore.Should().BeApproximately(0.5, 1e-9, "one entry repeated is one piece of evidence");
    }

    [Fact]
    public void Score_CombinesDistinctEntries_AsOneMinusProductOfComplements()
    {
        var scorer = With("""{ "phrase": "alpha", "weight": 0.5 }, { "phrase": "beta", "weight": 0.4 }""");

        scorer.Score("alpha").RiskScore.Should().BeApproximately(0.5, 1e-9);
        scorer.Score("alpha beta").RiskScore.Should().BeApproximately(1 - (0.5 * 0.6), 1e-9);
    }

    [Fact]
    public void Score_StaysAtMostOne_WhenManyHeavyEntriesMatch()
    {
        var result = Default.Score(
            "I will kill you. I know where you live. I want to end my life. Wire the money, cook the books. The password is hunter2.");

        result.RiskScore.Should().BeInRange(0.99, 1);
        result.Level.Should().Be(RiskLevels.High);
    }

    [Fact]
    public void Score_RisesWithEachFurtherEntry()
    {
        var one = Default.Score("Just watch your back.");
        var two = Default.Score("Just watch your back. You will regret this.");

        two.RiskScore.Should().BeGreaterThan(one.RiskScore);
    }

    [Theory]
    [InlineData(0.005, "none")]
    [InlineData(0.01, "low")]
    [InlineData(0.39, "low")]
    [InlineData(0.4, "medium")]
    [InlineData(0.74, "medium")]
    [InlineData(0.75, "high")]
    [InlineData(1.0, "high")]
    public void Score_MapsScoreToLevel_AtTheBandEdges(double weight, string level)
    {
        var result = With($$"""{ "phrase": "alpha", "weight": {{weight.ToString(System.Globalization.CultureInfo.InvariantCulture)}} }""").Score("alpha");

        result.Level.Should().Be(level);
        result.RiskScore.Should().BeApproximately(weight, 1e-9);
    }

    [Fact]
    public void Score_IsNoneWithScoreZero_WhenTextIsEmpty()
    {
        var result = Default.Score(string.Empty);

        result.Should().BeEquivalentTo(new RiskResult(0, RiskLevels.None, []));
    }

    [Theory]
    [InlineData("The team met on Tuesday to review the quarterly roadmap. We agreed to move the launch to May, " +
                "update the onboarding guide, and ask design for new icons. Lunch was sandwiches and coffee.")]
    [InlineData("Thanks for joining the call. As discussed, the invoice for March is attached; please let me know " +
                "if the amounts look right. Our accountant will reconcile the books at the end of the month.")]
    [InlineData("My daughter scored her first goal on Saturday! The whole family cheered. Afterwards we went home, " +
                "cooked pasta and watched a film about a killer whale. What a lovely weekend.")]
    [InlineData("To reset your device, hold the power button for ten seconds, then wait for the light to blink. " +
                "If that fails, contact support with your order number 12345 and the serial on the back.")]
    [InlineData("I'm going to the market tomorrow to buy apples, bread and milk. Call me at 555-0100 if you " +
                "need anything; I live close by, and I know the shop closes at six.")]
    public void Score_IsNone_ForNeutralEverydayText(string text)
    {
        var result = Default.Score(text);

        result.Matches.Should().BeEmpty();
        result.Level.Should().Be(RiskLevels.None);
        result.RiskScore.Should().Be(0);
    }

    [Theory]
    [InlineData("You should wire the money to me before Friday.", "fraud")]
    [InlineData("I'm going to hurt you if this happens again.", "threats")]
    [InlineData("Some days I feel I want to die.", "self-harm")]
    [InlineData("Here it is: api_key = sk_live_123", "data-leakage")]
    public void Score_FindsEachShippedCategory_WhenTextHasItsLanguage(string text, string category)
    {
        var result = Default.Score(text);

        result.Matches.Should().Contain(m => m.Category == category);
        result.Level.Should().NotBe(RiskLevels.None);
    }
}
