using QueueWorker.Handlers.RiskDetection;

namespace QueueWorker.Tests.Handlers.RiskDetection;

public sealed class RiskLexiconTests
{
    private static string One(string entries, string name = "fraud") =>
        $$"""{ "categories": [ { "name": "{{name}}", "entries": [ {{entries}} ] } ] }""";

    [Fact]
    public void LoadDefault_HasTheFourShippedCategories_WhenEmbedded()
    {
        var lexicon = RiskLexicon.LoadDefault();

        lexicon.Categories.Should().Equal("fraud", "threats", "self-harm", "data-leakage");
        lexicon.Entries.Should().OnlyContain(e => e.Weight > 0 && e.Weight <= 1);
    }

    [Fact]
    public void Parse_ReadsPhraseAndRegexEntries_WhenValid()
    {
        var lexicon = RiskLexicon.Parse(One("""{ "phrase": "wire the money", "weight": 0.6 }, { "regex": "\\bgift\\s+cards?\\b", "weight": 0.4 }"""));

        lexicon.Entries.Should().HaveCount(2);
        lexicon.Entries[0].IsRegex.Should().BeFalse();
        lexicon.Entries[1].IsRegex.Should().BeTrue();
        lexicon.Entries[1].Category.Should().Be("fraud");
    }

    [Fact]
    public void Parse_Throws_WhenNoCategories()
    {
        var act = () => RiskLexicon.Parse("""{ "categories": [] }""");

        act.Should().Throw<RiskLexiconException>().WithMessage("*no categories*");
    }

    [Fact]
    public void Parse_ThrowsNamingTheCategory_WhenCategoryIsEmpty()
    {
        var act = () => RiskLexicon.Parse("""{ "categories": [ { "name": "threats", "entries": [] } ] }""");

        act.Should().Throw<RiskLexiconException>().WithMessage("*'threats' has no entries*");
    }

    [Fact]
    public void Parse_Throws_WhenCategoryNameRepeats()
    {
        var json = """
            { "categories": [
              { "name": "fraud", "entries": [ { "phrase": "a b", "weight": 0.5 } ] },
              { "name": "fraud", "entries": [ { "phrase": "c d", "weight": 0.5 } ] } ] }
            """;

        var act = () => RiskLexicon.Parse(json);

        act.Should().Throw<RiskLexiconException>().WithMessage("*'fraud' appears more than once*");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0.2")]
    [InlineData("1.5")]
    public void Parse_ThrowsNamingCategoryAndEntry_WhenWeightOutsideRange(string weight)
    {
        var act = () => RiskLexicon.Parse(One($$"""{ "phrase": "ok one", "weight": 0.5 }, { "phrase": "wire the money", "weight": {{weight}} }"""));

        act.Should().Throw<RiskLexiconException>()
            .WithMessage("*category 'fraud', entry 2 (phrase \"wire the money\")*outside (0, 1]*");
    }

    [Fact]
    public void Parse_Throws_WhenWeightMissing()
    {
        var act = () => RiskLexicon.Parse(One("""{ "phrase": "wire the money" }"""));

        act.Should().Throw<RiskLexiconException>().WithMessage("*entry 1 (phrase \"wire the money\") has no weight*");
    }

    [Fact]
    public void Parse_ThrowsNamingTheRegex_WhenRegexIsInvalid()
    {
        var act = () => RiskLexicon.Parse(One("""{ "regex": "(unclosed", "weight": 0.5 }""", name: "threats"));

        act.Should().Throw<RiskLexiconException>()
            .WithMessage("*category 'threats', entry 1 (regex \"(unclosed\") is not a valid regular expression*");
    }

    [Fact]
    public void Parse_Throws_WhenRegexMatchesEmptyText()
    {
        var act = () => RiskLexicon.Parse(One("""{ "regex": "a*", "weight": 0.5 }"""));

        act.Should().Throw<RiskLexiconException>().WithMessage("*matches empty text*");
    }

    [Fact]
    public void Parse_ThrowsNamingBothEntries_WhenPhrasesDifferOnlyInCaseAndPunctuation()
    {
        var act = () => RiskLexicon.Parse(One("""{ "phrase": "wire the money", "weight": 0.5 }, { "phrase": "Wire  the MONEY!", "weight": 0.7 }"""));

        act.Should().Throw<RiskLexiconException>()
            .WithMessage("*entry 2 (phrase \"Wire  the MONEY!\") duplicates *entry 1 (phrase \"wire the money\")*");
    }

    [Fact]
    public void Parse_Throws_WhenPhraseRepeatsInAnotherCategory()
    {
        var json = """
            { "categories": [
              { "name": "fraud", "entries": [ { "phrase": "kill you", "weight": 0.5 } ] },
              { "name": "threats", "entries": [ { "phrase": "kill you", "weight": 0.8 } ] } ] }
            """;

        var act = () => RiskLexicon.Parse(json);

        act.Should().Throw<RiskLexiconException>().WithMessage("*'threats', entry 1*duplicates*'fraud', entry 1*");
    }

    [Theory]
    [InlineData("""{ "phrase": "a b", "weight": 0.5, "wieght": 0.5 }""")]
    [InlineData("""{ "phrase": "a b", "weight": 0.5, "notes": "x" }""")]
    public void Parse_Throws_WhenEntryHasUnknownField(string entry)
    {
        var act = () => RiskLexicon.Parse(One(entry));

        act.Should().Throw<RiskLexiconException>().WithMessage("*not valid JSON of the expected shape*");
    }

    [Fact]
    public void Parse_Throws_WhenTopLevelHasUnknownField()
    {
        var act = () => RiskLexicon.Parse("""{ "version": 1, "categories": [ { "name": "a", "entries": [ { "phrase": "a b", "weight": 0.5 } ] } ] }""");

        act.Should().Throw<RiskLexiconException>();
    }

    [Theory]
    [InlineData("""{ "weight": 0.5 }""")]
    [InlineData("""{ "phrase": "a b", "regex": "a b", "weight": 0.5 }""")]
    public void Parse_Throws_WhenEntryIsNotExactlyPhraseOrRegex(string entry)
    {
        var act = () => RiskLexicon.Parse(One(entry));

        act.Should().Throw<RiskLexiconException>().WithMessage("*exactly one of \"phrase\" or \"regex\"*");
    }

    [Fact]
    public void Parse_Throws_WhenPhraseHasNoWords()
    {
        var act = () => RiskLexicon.Parse(One("""{ "phrase": "?!", "weight": 0.5 }"""));

        act.Should().Throw<RiskLexiconException>().WithMessage("*has no words*");
    }

    [Fact]
    public void Parse_Throws_WhenJsonIsMalformed()
    {
        var act = () => RiskLexicon.Parse("{ \"categories\": [");

        act.Should().Throw<RiskLexiconException>();
    }
}
