using System.Net;
using QueueClient.Tests.Support;
using QueueHttpApi.Tests.Support;
using QueueService.Tests.Support;
using static QueueClient.Tests.Support.LoopbackServer;

namespace QueueClient.Tests;

/// <summary>
/// Waiting for a task: over <c>/ws/tasks/{id}</c>, and by polling when the socket cannot be opened or drops (a real
/// loopback gateway in front of the API refuses or drops the WebSockets, and records what reached it).
/// </summary>
public sealed class QueueApiClientWaitTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Never = TimeSpan.FromHours(1);

    [Fact]
    public async Task WaitForCompletion_ReturnsTheCompletedTaskWithItsResult_WhenAnEmbeddedWorkerRunsIt()
    {
        using var api = ClientTestSupport.StartEmbedded(embeddedWorkers: 1);
        using var client = ClientTestSupport.ClientOf(api, pollInterval: Never);
        var submitted = await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "send me your password and the wire transfer code" });

        var task = await client.WaitForCompletionAsync(submitted.Id).WaitAsync(Patience);

        task.Status.Should().Be(QueueTaskStatus.Completed, task.Error);
        task.Result.Should().NotBeNull();
        task.CompletedAt.Should().NotBeNull();
    }

    [Fact]
    public async Task WaitForCompletion_ReturnsOverTheSocketWithoutPolling_WhenTheTaskFinishesWhileWaiting()
    {
        using var api = ClientTestSupport.StartEmbedded();
        await using var gateway = await StartProxyAsync(ClientTestSupport.AddressOf(api), plan: _ => SocketPlan.Carry);
        using var client = ClientTestSupport.ClientOf(gateway.Address, pollInterval: Never);
        var submitted = await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "wait for me" });

        var waiting = client.WaitForCompletionAsync(submitted.Id);
        await Eventually.TrueAsync(_ => Task.FromResult(gateway.Count("GET", $"/ws/tasks/{submitted.Id}") == 1), Patience, "the client opens the task's socket");
        await client.CancelAsync(submitted.Id);
        var task = await waiting.WaitAsync(Patience);

        task.Status.Should().Be(QueueTaskStatus.Cancelled);
        gateway.Count("GET", $"/tasks/{submitted.Id}").Should().Be(2, "one read before the socket and one after it, no polls: {0}", string.Join(" | ", gateway.Requests));
    }

    [Theory]
    [InlineData(SocketPlan.Refuse)]
    [InlineData(SocketPlan.Hang)]
    [InlineData(SocketPlan.DropOnOpen)]
    [InlineData(SocketPlan.GoAwayAfterFirstMessage)]
    public async Task WaitForCompletion_PollsUntilTheTaskIsFinished_WhenTheSocketIsRefusedOrDrops(SocketPlan plan)
    {
        using var api = ClientTestSupport.StartEmbedded();
        await using var gateway = await StartProxyAsync(ClientTestSupport.AddressOf(api), plan: _ => plan);
        using var client = ClientTestSupport.ClientOf(gateway.Address, pollInterval: TimeSpan.FromMilliseconds(50),
            webSocketConnectTimeout: TimeSpan.FromMilliseconds(500));
        using var direct = ClientTestSupport.ClientOf(api);
        var submitted = await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "poll me" });

        var waiting = client.WaitForCompletionAsync(submitted.Id);
        await Eventually.TrueAsync(_ => Task.FromResult(gateway.Count("GET", $"/tasks/{submitted.Id}") >= 4), Patience,
            "the client polls GET /tasks/{id} every 50 ms once the socket is out (refused, unanswered for 500 ms, or dropped)");
        waiting.IsCompleted.Should().BeFalse("the task is still queued");
        await direct.CancelAsync(submitted.Id);
        var task = await waiting.WaitAsync(Patience);

        task.Status.Should().Be(QueueTaskStatus.Cancelled);
        gateway.Count("GET", $"/ws/tasks/{submitted.Id}").Should().Be(1, "a refused or dropped socket is not reopened while waiting");
    }

    [Theory]
    [InlineData(SocketPlan.Carry)]
    [InlineData(SocketPlan.Refuse)]
    public async Task WaitForCompletion_ThrowsOperationCanceledPromptly_WhenTheTokenFires(SocketPlan plan)
    {
        using var api = ClientTestSupport.StartEmbedded();
        await using var gateway = await StartProxyAsync(ClientTestSupport.AddressOf(api), plan: _ => plan);
        using var client = ClientTestSupport.ClientOf(gateway.Address, pollInterval: Never);
        var submitted = await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "nobody runs me" });
        using var stop = new CancellationTokenSource();

        var waiting = client.WaitForCompletionAsync(submitted.Id, stop.Token);
        await Eventually.TrueAsync(_ => Task.FromResult(gateway.Count("GET", $"/ws/tasks/{submitted.Id}") == 1), Patience, "the client tries the socket");
        await stop.CancelAsync();

        await waiting.Invoking(w => w.WaitAsync(TimeSpan.FromSeconds(5))).Should().ThrowAsync<OperationCanceledException>();
        (await client.GetTaskAsync(submitted.Id)).Status.Should().Be(QueueTaskStatus.Queued, "stopping the wait does not cancel the task");
    }

    [Fact]
    public async Task WaitForCompletion_IsNotFound_WhenNoTaskHasTheId()
    {
        using var api = ClientTestSupport.StartEmbedded();
        using var client = ClientTestSupport.ClientOf(api);

        var act = () => client.WaitForCompletionAsync("0193f0c2-6a4e-7b51-9d1e-4c8f5e2a9b10");

        (await act.Should().ThrowAsync<QueueApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task WaitForCompletion_ReturnsAtOnce_WhenTheTaskIsAlreadyFinished()
    {
        using var api = ClientTestSupport.StartEmbedded();
        await using var gateway = await StartProxyAsync(ClientTestSupport.AddressOf(api), plan: _ => SocketPlan.Carry);
        using var client = ClientTestSupport.ClientOf(gateway.Address, pollInterval: Never);
        var submitted = await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "done already" });
        await client.CancelAsync(submitted.Id);

        var task = await client.WaitForCompletionAsync(submitted.Id).WaitAsync(Patience);

        task.Status.Should().Be(QueueTaskStatus.Cancelled);
        gateway.Count("GET", $"/ws/tasks/{submitted.Id}").Should().Be(0);
    }
}
