using System.Net;
using QueueHttpApi.Tasks;
using QueueService.Stores;

namespace QueueHttpApi.Tests.Tasks;

// GET /tasks/{id} and GET /tasks.
public abstract partial class TaskEndpointsTests
{
    [Fact]
    public async Task GetTask_ReturnsTheWholeTask_WhenItExists()
    {
        using var api = CreateApi();
        using var client = api.CreateClient();
        await client.SubmitRiskAsync("first");
        var submitted = await client.SubmitRiskAsync("second", priority: 3);

        var task = await client.GetTaskAsync(submitted.Id);

        task.Id.Should().Be(submitted.Id);
        task.Type.Should().Be("risk-detection");
        task.Status.Should().Be("queued");
        task.Priority.Should().Be(3);
        task.QueuePosition.Should().Be(1, "priority 3 runs before the priority-0 task");
        task.Attempts.Should().Be(0);
        task.MaxRetries.Should().Be(3);
        task.CreatedAt.Should().Be(submitted.CreatedAt);
        task.StartedAt.Should().BeNull();
        task.Progress.Should().BeNull();
        task.Result.Should().BeNull();
        task.Payload!.Value.GetProperty("text").GetString().Should().Be("second");
    }

    [Theory]
    [InlineData("0198a0a0-0000-7000-8000-000000000000")]
    [InlineData("no such task")]
    [InlineData("..")]
    public async Task GetTask_IsNotFound_WhenNoTaskHasTheId(string id)
    {
        using var api = CreateApi();
        using var client = api.CreateClient();

        using var response = await client.GetAsync(new Uri($"/tasks/{Uri.EscapeDataString(id)}", UriKind.Relative));

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ListTasks_FiltersByStatusAndTypeAndPages_WhenAsked()
    {
        using var api = CreateApi();
        using var client = api.CreateClient();
        var risks = new List<string>();
        for (var i = 0; i < 4; i++) risks.Add((await client.SubmitRiskAsync($"text {i}")).Id);
        using (var upload = await client.UploadAsync(TaskTestSupport.Wav())) await upload.ShouldBeAcceptedAsync();
        await api.Store.CancelAsync(risks[0]);

        using var queuedRisks = await client.GetAsync(new Uri("/tasks?status=queued&type=risk-detection", UriKind.Relative));
        using var page = await client.GetAsync(new Uri("/tasks?status=queued&type=risk-detection&limit=2&offset=1", UriKind.Relative));
        using var all = await client.GetAsync(new Uri("/tasks", UriKind.Relative));
        using var cancelled = await client.GetAsync(new Uri("/tasks?status=Cancelled", UriKind.Relative));

        var list = await queuedRisks.ShouldBeOkAsync<TaskListView>();
        list.Items.Select(t => t.Id).Should().Equal(risks[1], risks[2], risks[3]);
        list.Total.Should().Be(3);
        list.Items.Select(t => t.QueuePosition).Should().Equal(1, 2, 3);
        var paged = await page.ShouldBeOkAsync<TaskListView>();
        paged.Items.Select(t => t.Id).Should().Equal(risks[2], risks[3]);
        paged.Total.Should().Be(3);
        (paged.Offset, paged.Limit).Should().Be((1, 2));
        var everything = await all.ShouldBeOkAsync<TaskListView>();
        everything.Total.Should().Be(5);
        everything.Limit.Should().Be(50, "50 is the default page size");
        everything.Items.Should().HaveCount(5);
        (await cancelled.ShouldBeOkAsync<TaskListView>()).Items.Should().ContainSingle().Which.Id.Should().Be(risks[0]);
    }

    [Fact]
    public async Task ListTasks_AcceptsAQueueTheStoreHolds_WhenNoHandlerHereServesIt()
    {
        using var api = CreateApi();
        using var client = api.CreateClient();
        await api.Store.EnqueueAsync(new QueueService.Tasks.NewTask("embeddings", "{}"));

        using var response = await client.GetAsync(new Uri("/tasks?type=embeddings", UriKind.Relative));

        (await response.ShouldBeOkAsync<TaskListView>()).Total.Should().Be(1);
    }

    [Theory]
    [InlineData("status=running", "status")]
    [InlineData("status=", "status")]
    [InlineData("type=transcriptions", "type")]
    [InlineData("type=Not%20A%20Queue", "type")]
    [InlineData("limit=501", "limit")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("offset=-1", "offset")]
    [InlineData("offset=1.5", "offset")]
    public async Task ListTasks_IsRefusedNamingTheField_WhenAQueryValueIsBad(string query, string field)
    {
        using var api = CreateApi();
        using var client = api.CreateClient();

        using var response = await client.GetAsync(new Uri($"/tasks?{query}", UriKind.Relative));

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, field);
    }
}
