using System.Net;
using QueueService.Stores;
using QueueService.Tasks;

namespace QueueHttpApi.Tests.Tasks;

// DELETE /tasks/{id} and POST /tasks/{id}/retry.
public abstract partial class TaskEndpointsTests
{
    [Fact]
    public async Task CancelTask_CancelsAndReturnsTheTask_WhenItIsQueued()
    {
        using var api = CreateApi();
        using var client = api.CreateClient();
        var submitted = await client.SubmitRiskAsync();

        using var response = await client.DeleteAsync(new Uri($"/tasks/{submitted.Id}", UriKind.Relative));

        var task = await response.ShouldBeOkAsync<QueueHttpApi.Tasks.TaskView>();
        task.Status.Should().Be("cancelled");
        task.CancelRequested.Should().BeFalse();
        task.CompletedAt.Should().NotBeNull();
        (await api.Store.GetAsync(submitted.Id))!.Status.Should().Be(QueueTaskStatus.Cancelled);
    }

    [Fact]
    public async Task CancelTask_RequestsCancel_WhenTheTaskIsProcessing()
    {
        using var api = CreateApi();
        using var client = api.CreateClient();
        var submitted = await client.SubmitRiskAsync();
        await api.Store.LeaseAsync("test-worker", ["risk-detection"], 1, TimeSpan.FromMinutes(1));

        using var response = await client.DeleteAsync(new Uri($"/tasks/{submitted.Id}", UriKind.Relative));

        var task = await response.ShouldBeOkAsync<QueueHttpApi.Tasks.TaskView>();
        task.Status.Should().Be("processing", "the worker stops it at its next heartbeat");
        task.CancelRequested.Should().BeTrue();
        task.WorkerId.Should().Be("test-worker");
    }

    [Fact]
    public async Task CancelTask_IsConflictAndChangesNothing_WhenTheTaskFinished()
    {
        using var api = CreateApi();
        using var client = api.CreateClient();
        var id = await CompletedTranscriptionAsync(api.Store, "done");
        var before = await api.Store.GetAsync(id);

        using var response = await client.DeleteAsync(new Uri($"/tasks/{id}", UriKind.Relative));

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Conflict);
        problem.GetProperty("detail").GetString().Should().Contain("completed");
        (await api.Store.GetAsync(id)).Should().BeEquivalentTo(before);
    }

    [Theory]
    [InlineData("0198a0a0-0000-7000-8000-000000000000")]
    [InlineData("not a task")]
    public async Task CancelTask_IsNotFound_WhenNoTaskHasTheId(string id)
    {
        using var api = CreateApi();
        using var client = api.CreateClient();

        using var response = await client.DeleteAsync(new Uri($"/tasks/{Uri.EscapeDataString(id)}", UriKind.Relative));

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task RetryTask_QueuesAFailedTaskAgain_WhenItFailed()
    {
        using var api = CreateApi();
        using var client = api.CreateClient();
        var submitted = await client.SubmitRiskAsync();
        var lease = (await api.Store.LeaseAsync("test-worker", ["risk-detection"], 1, TimeSpan.FromMinutes(1))).Single();
        await api.Store.FailAsync(lease, new TaskFailure("boom", IsRetryable: false));

        using var response = await client.PostAsync(new Uri($"/tasks/{submitted.Id}/retry", UriKind.Relative), null);

        var task = await response.ShouldBeOkAsync<QueueHttpApi.Tasks.TaskView>();
        task.Status.Should().Be("queued");
        task.QueuePosition.Should().Be(1);
        task.Attempts.Should().Be(0);
        task.Errors.Should().ContainSingle().Which.Message.Should().Be("boom", "the history is kept");
    }

    [Fact]
    public async Task RetryTask_QueuesACancelledTaskAgain_WhenItWasCancelled()
    {
        using var api = CreateApi();
        using var client = api.CreateClient();
        var submitted = await client.SubmitRiskAsync();
        (await client.DeleteAsync(new Uri($"/tasks/{submitted.Id}", UriKind.Relative))).Dispose();

        using var response = await client.PostAsync(new Uri($"/tasks/{submitted.Id}/retry", UriKind.Relative), null);

        (await response.ShouldBeOkAsync<QueueHttpApi.Tasks.TaskView>()).Status.Should().Be("queued");
    }

    [Fact]
    public async Task RetryTask_IsConflictAndChangesNothing_WhenTheTaskIsQueued()
    {
        using var api = CreateApi();
        using var client = api.CreateClient();
        var submitted = await client.SubmitRiskAsync();
        var before = await api.Store.GetAsync(submitted.Id);

        using var response = await client.PostAsync(new Uri($"/tasks/{submitted.Id}/retry", UriKind.Relative), null);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Conflict);
        problem.GetProperty("detail").GetString().Should().Contain("queued");
        (await api.Store.GetAsync(submitted.Id)).Should().BeEquivalentTo(before);
    }

    [Theory]
    [InlineData("0198a0a0-0000-7000-8000-000000000000")]
    [InlineData("not a task")]
    public async Task RetryTask_IsNotFound_WhenNoTaskHasTheId(string id)
    {
        using var api = CreateApi();
        using var client = api.CreateClient();

        using var response = await client.PostAsync(new Uri($"/tasks/{Uri.EscapeDataString(id)}/retry", UriKind.Relative), null);

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }
}
