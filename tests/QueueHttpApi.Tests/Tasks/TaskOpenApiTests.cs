using System.Text.Json;
using QueueHttpApi.Tests.Support;

namespace QueueHttpApi.Tests.Tasks;

/// <summary>The task endpoints are described in the OpenAPI document, request bodies included.</summary>
public sealed class TaskOpenApiTests
{
    [Fact]
    public async Task OpenApi_DescribesEveryTaskEndpoint_WithItsNameAndBodies()
    {
        using var api = ApiFactory.Embedded(settings: TaskTestSupport.Settings());
        using var client = api.CreateClient();

        var document = JsonDocument.Parse(await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative))).RootElement;

        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(op => (Path: path.Name, Method: op.Name, Op: op.Value)))
            .Where(o => o.Op.TryGetProperty("operationId", out _))
            .ToDictionary(o => o.Op.GetProperty("operationId").GetString()!, o => o);
        operations.Should().ContainKeys("SubmitTranscription", "SubmitRiskDetection", "GetTask", "ListTasks", "CancelTask", "RetryTask");
        (operations["SubmitTranscription"].Path, operations["SubmitTranscription"].Method).Should().Be(("/tasks/transcription", "post"));
        (operations["CancelTask"].Path, operations["CancelTask"].Method).Should().Be(("/tasks/{id}", "delete"));
        operations["SubmitTranscription"].Op.GetProperty("requestBody").GetProperty("content").EnumerateObject().Select(c => c.Name)
            .Should().BeEquivalentTo("multipart/form-data", "application/json");
        operations["SubmitRiskDetection"].Op.GetProperty("requestBody").GetProperty("content").EnumerateObject().Select(c => c.Name)
            .Should().BeEquivalentTo("application/json");
        operations["SubmitRiskDetection"].Op.GetProperty("responses").EnumerateObject().Select(r => r.Name)
            .Should().Contain(["202", "400", "409", "413", "415", "503"]);
        operations["ListTasks"].Op.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString())
            .Should().BeEquivalentTo("status", "type", "limit", "offset");
        operations.Values.Where(o => !o.Op.TryGetProperty("summary", out var summary) || string.IsNullOrWhiteSpace(summary.GetString()))
            .Should().BeEmpty("every task endpoint has a summary");
    }
}
