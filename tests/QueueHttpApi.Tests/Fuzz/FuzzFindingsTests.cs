using System.Net;
using System.Net.Http.Headers;
using QueueHttpApi.Tests.Support;
using QueueHttpApi.Tests.Tasks;

namespace QueueHttpApi.Tests.Fuzz;

/// <summary>
/// The defects the fuzzer found, each pinned by a plain test: JSON text that is not valid Unicode (invalid UTF-8 bytes,
/// or an unpaired surrogate escape such as <c>\ud800</c>) parses as JSON, but reading it as a string throws; both JSON
/// submissions answered 500. They are now a 400 naming the field (or <c>body</c> when the name itself is unreadable).
/// And <c>GET /openapi/v2.json</c> (a document that does not exist) answered MapOpenApi's own text/plain 404, not a problem.
/// </summary>
public sealed class FuzzFindingsTests : IDisposable
{
    private readonly ApiFactory _api = ApiFactory.Embedded(settings: TaskTestSupport.Settings());

    [Theory]
    [InlineData("/tasks/risk-detection", "{\"text\":\"\\ud800\"}", "text")]
    [InlineData("/tasks/risk-detection", "{\"text\":\"a\\udc00\\ud800b\"}", "text")]
    [InlineData("/tasks/risk-detection", "{\"text\":\"ok\",\"metadata\":{\"k\":\"\\ud83d\"}}", "metadata")]
    [InlineData("/tasks/risk-detection", "{\"text\":\"ok\",\"metadata\":{\"\\udfff\":\"v\"}}", "metadata")]
    [InlineData("/tasks/transcription", "{\"audioPath\":\"calls/\\ud800.wav\"}", "audioPath")]
    [InlineData("/tasks/transcription", "{\"audioPath\":\"calls/ok.wav\",\"language\":\"\\udc00\"}", "language")]
    public async Task Submit_IsRefusedNamingTheField_WhenAStringHoldsAnUnpairedSurrogate(string path, string json, string field)
    {
        using var client = _api.CreateClient();

        using var response = await client.PostJsonAsync(path, json);

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, field);
        (await TaskEndpointsTests.CountAsync(_api.Store)).Should().Be(0);
    }

    [Theory]
    [InlineData("/tasks/risk-detection", new byte[] { 0xFF }, "text")]
    [InlineData("/tasks/risk-detection", new byte[] { 0xC0, 0xAF }, "text")]
    [InlineData("/tasks/risk-detection", new byte[] { 0xED, 0xA0, 0x80 }, "text")]
    [InlineData("/tasks/transcription", new byte[] { 0xE2, 0x82 }, "audioPath")]
    public async Task Submit_IsRefused_WhenTheJsonIsNotUtf8(string path, byte[] bad, string field)
    {
        using var client = _api.CreateClient();
        var name = field == "text" ? "{\"text\":\"ok\"" : "{\"audioPath\":\"calls/ok.wav\"";

        // The bad bytes in a value (the field is named), then in a field name (the body is named: the name can't be read).
        using var inValue = await client.PostAsync(new Uri(path, UriKind.Relative), Utf8Body([.. Bytes(name[..^1]), .. bad, .. Bytes("\"}")]));
        using var inName = await client.PostAsync(new Uri(path, UriKind.Relative), Utf8Body([.. Bytes(name + ",\""), .. bad, .. Bytes("x\":1}")]));

        await inValue.ShouldBeProblemAsync(HttpStatusCode.BadRequest, field);
        await inName.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "body");
        (await TaskEndpointsTests.CountAsync(_api.Store)).Should().Be(0);
    }

    [Fact]
    public async Task OpenApi_AnswersAProblem_WhenTheDocumentIsUnknown()
    {
        using var client = _api.CreateClient();

        using var unknown = await client.GetAsync(new Uri("/openapi/v2.json", UriKind.Relative));
        using var known = await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));

        await unknown.ShouldBeProblemAsync(HttpStatusCode.NotFound);
        known.StatusCode.Should().Be(HttpStatusCode.OK);
        (await known.Content.ReadAsStringAsync()).Should().Contain("\"SubmitRiskDetection\"");
    }

    private static byte[] Bytes(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    private static ByteArrayContent Utf8Body(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    public void Dispose() => _api.Dispose();
}
