using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace QueueHttpApi.Tests.Tasks;

/// <summary>Every bad <c>POST /tasks/risk-detection</c> is a problem naming its field, and stores nothing.</summary>
public sealed class RiskDetectionValidationTests(ValidationApi fixture) : IClassFixture<ValidationApi>
{
    private const string Path = "/tasks/risk-detection";

    [Theory]
    [InlineData("""{"text": "a" """, "body")]
    [InlineData("""{"text": "a",}""", "body")]
    [InlineData("""["text"]""", "body")]
    [InlineData("\"text\"", "body")]
    [InlineData("", "body")]
    [InlineData("""{"text":"a","colour":"red"}""", "colour")]
    [InlineData("""{"Text":"a"}""", "Text")]
    [InlineData("""{"text":"a","text":"b"}""", "text")]
    [InlineData("""{"text":"a","priority":"high"}""", "priority")]
    [InlineData("""{"text":"a","priority":1.5}""", "priority")]
    [InlineData("""{"text":"a","priority":99999999999}""", "priority")]
    [InlineData("""{"text":"a","priority":101}""", "priority")]
    [InlineData("""{"text":"a","priority":-1}""", "priority")]
    [InlineData("""{"text":"a","maxRetries":true}""", "maxRetries")]
    [InlineData("""{"text":"a","maxRetries":101}""", "maxRetries")]
    [InlineData("""{"text":"a","maxRetries":-1}""", "maxRetries")]
    [InlineData("""{"text":42}""", "text")]
    [InlineData("""{"text":["a"]}""", "text")]
    [InlineData("""{"text":""}""", "text")]
    [InlineData("""{"text":"  \n\t "}""", "text")]
    [InlineData("""{"transcriptionTaskId":5}""", "transcriptionTaskId")]
    [InlineData("""{"text":"a","transcriptionTaskId":"0198a0a0-0000-7000-8000-000000000000"}""", "transcriptionTaskId")]
    [InlineData("""{"text":"a","transcriptionTaskId":"0198a0a0-0000-7000-8000-000000000000"}""", "text")]
    [InlineData("""{}""", "text")]
    [InlineData("""{"priority":5}""", "transcriptionTaskId")]
    [InlineData("""{"text":"a","metadata":["x"]}""", "metadata")]
    [InlineData("""{"text":"a","metadata":"x"}""", "metadata")]
    [InlineData("""{"text":"a","metadata":{"n":1}}""", "metadata")]
    [InlineData("""{"text":"a","metadata":{"n":null}}""", "metadata")]
    [InlineData("""{"text":"a","metadata":{"":"empty key"}}""", "metadata")]
    [InlineData("""{"text":"a","metadata":{"k":"1","k":"2"}}""", "metadata")]
    public async Task SubmitRiskDetection_IsRefusedNamingTheField_WhenTheBodyIsBad(string json, string field)
    {
        var before = await fixture.TotalAsync();

        using var response = await fixture.Client.PostJsonAsync(Path, json);

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, field);
        (await fixture.TotalAsync()).Should().Be(before, "a refused submission stores nothing");
    }

    [Fact]
    public async Task SubmitRiskDetection_SaysWhichNameWasMeant_WhenAFieldIsMiscased()
    {
        using var response = await fixture.Client.PostJsonAsync(Path, """{"text":"a","MaxRetries":1}""");

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "MaxRetries");
        problem.GetProperty("detail").GetString().Should().Contain("Did you mean 'maxRetries'");
    }

    [Theory]
    [InlineData(33, 1, 1)]
    [InlineData(1, 65, 1)]
    [InlineData(1, 1, 1025)]
    public async Task SubmitRiskDetection_IsRefusedNamingMetadata_WhenItIsOverItsBounds(int entries, int keyLength, int valueLength)
    {
        var metadata = Enumerable.Range(0, entries).ToDictionary(i => $"{i}".PadLeft(keyLength, 'k'), _ => new string('v', valueLength));
        var before = await fixture.TotalAsync();

        using var response = await fixture.Client.PostJsonAsync(Path, new { text = "a", metadata });

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "metadata");
        (await fixture.TotalAsync()).Should().Be(before);
    }

    [Fact]
    public async Task SubmitRiskDetection_AcceptsMetadata_WhenItIsAtItsBounds()
    {
        var metadata = Enumerable.Range(0, 32).ToDictionary(i => $"{i}".PadLeft(64, 'k'), _ => new string('v', 1024));

        using var response = await fixture.Client.PostJsonAsync(Path, new { text = "a", metadata });

        await response.ShouldBeAcceptedAsync();
    }

    [Fact]
    public async Task SubmitRiskDetection_IsTooLargeNamingText_WhenTheTextIsOverThePayloadLimit()
    {
        var before = await fixture.TotalAsync();

        using var response = await fixture.Client.PostJsonAsync(Path, new { text = new string('a', 1024 * 1024 + 1) });

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "text");
        (await fixture.TotalAsync()).Should().Be(before);
    }

    [Fact]
    public async Task SubmitRiskDetection_Accepts_WhenTheTextJustFitsThePayloadLimit()
    {
        // {"text":"…"} is 11 bytes around the text.
        using var response = await fixture.Client.PostJsonAsync(Path, new { text = new string('a', 1024 * 1024 - 11) });

        await response.ShouldBeAcceptedAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SubmitRiskDetection_IsTooLarge_WhenTheBodyIsOverTheJsonLimit(bool announced)
    {
        // The default limit is 2 MiB; a body of 2 MiB + 1 whose text alone would also be refused.
        var json = $$"""{"text":"{{new string('a', 2 * 1024 * 1024 - 10)}}"}""";
        json.Length.Should().Be(2 * 1024 * 1024 + 1);
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var body = announced ? (HttpContent)content : await UnknownLengthContent.FromAsync(content);
        var before = await fixture.TotalAsync();

        using var response = await fixture.Client.PostAsync(new Uri(Path, UriKind.Relative), body);

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "body");
        (await fixture.TotalAsync()).Should().Be(before);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData(null)]
    public async Task SubmitRiskDetection_IsUnsupportedMediaType_WhenTheBodyIsNotJson(string? contentType)
    {
        using var content = new ByteArrayContent("""{"text":"a"}"""u8.ToArray());
        if (contentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        using var response = await fixture.Client.PostAsync(new Uri(Path, UriKind.Relative), content);

        await response.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "Content-Type");
    }

    [Fact]
    public async Task SubmitRiskDetection_Accepts_WhenTheJsonTypeHasACharsetOrSuffix()
    {
        using var withCharset = new StringContent("""{"text":"a"}""", Encoding.UTF8, "application/json");
        using var withSuffix = new StringContent("""{"text":"a"}""", Encoding.UTF8, "application/vnd.queue+json");

        using var first = await fixture.Client.PostAsync(new Uri(Path, UriKind.Relative), withCharset);
        using var second = await fixture.Client.PostAsync(new Uri(Path, UriKind.Relative), withSuffix);

        await first.ShouldBeAcceptedAsync();
        await second.ShouldBeAcceptedAsync();
    }
}
