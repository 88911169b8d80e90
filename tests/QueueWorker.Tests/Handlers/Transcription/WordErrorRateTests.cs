namespace QueueWorker.Tests.Handlers.Transcription;

/// <summary>The accuracy bound is only as good as the metric: it is tested on its own.</summary>
public sealed class WordErrorRateTests
{
    [Theory]
    [InlineData("he was not an ill disposed young man", "He was not an ill-disposed, young man!", 2)] // "illdisposed" for two words: a substitution and a deletion
    [InlineData("he was not", "He, was; NOT.", 0)]
    [InlineData("he was not an ill disposed young man", "he was not an illness those young man", 2)]
    [InlineData("a b c", "", 3)]
    [InlineData("", "a b", 2)]
    [InlineData("a b c d", "a x c d e", 2)]
    public void Edits_CountsWordSubstitutionsDeletionsAndInsertions_IgnoringCaseAndPunctuation(string reference, string hypothesis, int edits)
    {
        WordErrorRate.Edits(reference, hypothesis).Should().Be(edits);
    }
}
