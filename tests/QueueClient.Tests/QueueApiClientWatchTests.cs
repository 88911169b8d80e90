using System.Net;
using System.Threading.Channels;
using QueueClient.Tests.Support;
using QueueService.Tests.Support;
using static QueueClient.Tests.Support.LoopbackServer;

namespace QueueClient.Tests;

/// <summary>
/// Following a task (<c>WatchAsync</c>) and the whole service (<c>WatchAllAsync</c>) over the real API's sockets; a
/// loopback gateway drops or refuses them to prove the reconnects and the polling fallback. The task's changes are
/// made through the API's real store (lease, complete), so the order of events is known.
/// </summary>
public sealed class QueueApiClientWatchTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Watch_YieldsSnapshotStartedCompletedInOrderThenEnds_WhenTheTaskRuns()
    {
        using var api = ClientTestSupport.StartEmbedded();
        using var client = ClientTestSupport.ClientOf(api);
        var submitted = await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "watch me" });
        using var deadline = new CancellationTokenSource(Patience);
        await using var watch = client.WatchAsync(submitted.Id, deadline.Token).GetAsyncEnumerator(deadline.Token);

        (await watch.MoveNextAsync()).Should().BeTrue();
        var snapshot = watch.Current;
        var lease = (await api.Store.LeaseAsync("worker-1", ["risk-detection"], 1, TimeSpan.FromMinutes(1))).Single();
        await api.Store.CompleteAsync(lease, """{"score":0}""");
        var rest = new List<TaskEvent>();
        while (await watch.MoveNextAsync()) rest.Add(watch.Current);

        snapshot.Type.Should().Be("snapshot");
        snapshot.TaskId.Should().Be(submitted.Id);
        snapshot.Status.Should().Be(QueueTaskStatus.Queued);
        snapshot.Task!.QueuePosition.Should().Be(1);
        rest.Select(e => e.Type).Should().Equal("started", "completed");
        rest[0].WorkerId.Should().Be("worker-1");
        rest[0].Attempt.Should().Be(1);
        rest[1].Status.Should().Be(QueueTaskStatus.Completed);
        rest[1].IsTerminal.Should().BeTrue();
    }

    [Fact]
    public async Task Watch_ReopensTheSocketWithAFreshSnapshot_WhenItDrops()
    {
        using var api = ClientTestSupport.StartEmbedded();
        await using var gateway = await StartProxyAsync(ClientTestSupport.AddressOf(api),
            plan: n => n == 1 ? SocketPlan.GoAwayAfterFirstMessage : SocketPlan.Carry);
        using var client = ClientTestSupport.ClientOf(gateway.Address);
        var submitted = await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "watch me" });
        using var deadline = new CancellationTokenSource(Patience);
        await using var watch = client.WatchAsync(submitted.Id, deadline.Token).GetAsyncEnumerator(deadline.Token);

        (await watch.MoveNextAsync()).Should().BeTrue();
        var first = watch.Current;
        (await watch.MoveNextAsync()).Should().BeTrue();
        var second = watch.Current;
        var lease = (await api.Store.LeaseAsync("worker-1", ["risk-detection"], 1, TimeSpan.FromMinutes(1))).Single();
        await api.Store.CompleteAsync(lease, """{"score":0}""");
        var rest = new List<string>();
        while (await watch.MoveNextAsync()) rest.Add(watch.Current.Type);

        first.Type.Should().Be("snapshot");
        second.Type.Should().Be("snapshot", "a reopened socket starts with a fresh snapshot");
        rest.Should().Equal("started", "completed");
        gateway.Count("GET", $"/ws/tasks/{submitted.Id}").Should().Be(2);
    }

    [Fact]
    public async Task Watch_PollsAndYieldsASnapshotPerChange_WhenTheSocketCannotBeReopened()
    {
        using var api = ClientTestSupport.StartEmbedded();
        await using var gateway = await StartProxyAsync(ClientTestSupport.AddressOf(api),
            plan: n => n == 1 ? SocketPlan.GoAwayAfterFirstMessage : SocketPlan.Refuse);
        using var client = ClientTestSupport.ClientOf(gateway.Address, pollInterval: TimeSpan.FromMilliseconds(50));
        var submitted = await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "watch me" });
        using var deadline = new CancellationTokenSource(Patience);
        await using var watch = client.WatchAsync(submitted.Id, deadline.Token).GetAsyncEnumerator(deadline.Token);

        (await watch.MoveNextAsync()).Should().BeTrue();
        var fromSocket = watch.Current;
        var lease = (await api.Store.LeaseAsync("worker-1", ["risk-detection"], 1, TimeSpan.FromMinutes(1))).Single();
        (await watch.MoveNextAsync()).Should().BeTrue();
        var processing = watch.Current;
        await api.Store.CompleteAsync(lease, """{"score":0}""");
        var rest = new List<TaskEvent>();
        while (await watch.MoveNextAsync()) rest.Add(watch.Current);

        fromSocket.Status.Should().Be(QueueTaskStatus.Queued);
        processing.Type.Should().Be("snapshot");
        processing.Status.Should().Be(QueueTaskStatus.Processing);
        processing.Task!.WorkerId.Should().Be("worker-1");
        rest.Should().ContainSingle().Which.Status.Should().Be(QueueTaskStatus.Completed, "a poll that finds nothing new yields nothing");
        rest[0].Task!.Result.Should().NotBeNull();
        gateway.Count("GET", $"/ws/tasks/{submitted.Id}").Should().Be(1 + 3, "the dropped socket is tried three more times");
        gateway.Count("GET", $"/tasks/{submitted.Id}").Should().BeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task Watch_IsNotFound_WhenNoTaskHasTheId()
    {
        using var api = ClientTestSupport.StartEmbedded();
        using var client = ClientTestSupport.ClientOf(api);

        var act = async () =>
        {
            await foreach (var _ in client.WatchAsync("0193f0c2-6a4e-7b51-9d1e-4c8f5e2a9b10")) { }
        };

        var refusal = (await act.Should().ThrowAsync<QueueApiException>()).Which;
        refusal.StatusCode.Should().Be(HttpStatusCode.NotFound);
        refusal.Title.Should().Be("Task not found");
    }

    [Fact]
    public async Task WatchAll_YieldsEveryTasksEventsInOrder_WhenTasksChange()
    {
        using var api = ClientTestSupport.StartEmbedded();
        using var client = ClientTestSupport.ClientOf(api);
        using var stop = new CancellationTokenSource(Patience);
        var events = Collect(client.WatchAllAsync(stop.Token));
        await FeedUntilConnectedAsync(client, events);

        var watched = await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "follow me" });
        await client.CancelAsync(watched.Id);

        var seen = await ReadForAsync(events.Reader, watched.Id, count: 2);
        seen.Select(e => e.Type).Should().Equal("queued", "cancelled");
        seen[0].Queue.Should().Be("risk-detection");
        await stop.CancelAsync();
    }

    [Fact]
    public async Task WatchAll_ReconnectsAndKeepsYielding_WhenTheSocketDrops()
    {
        using var api = ClientTestSupport.StartEmbedded();
        await using var gateway = await StartProxyAsync(ClientTestSupport.AddressOf(api),
            plan: n => n == 1 ? SocketPlan.GoAwayAfterFirstMessage : SocketPlan.Carry);
        using var client = ClientTestSupport.ClientOf(gateway.Address);
        using var stop = new CancellationTokenSource(Patience);
        var events = Collect(client.WatchAllAsync(stop.Token));
        await FeedUntilConnectedAsync(client, events);
        await Eventually.TrueAsync(_ => Task.FromResult(gateway.Count("GET", "/ws/events") == 2), Patience, "the dropped socket is reopened");

        var later = await Eventually.MatchAsync(async ct =>
        {
            var submitted = await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "after the drop" }, ct);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(TimeSpan.FromMilliseconds(500));
            try
            {
                return (await ReadForAsync(events.Reader, submitted.Id, 1, wait.Token)).Single();
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }, e => e is not null, Patience, "events reach the reopened socket");

        later!.Type.Should().Be("queued");
        await stop.CancelAsync();
    }

    [Fact]
    public async Task WatchAll_ThrowsHttpRequestException_WhenTheSocketCannotBeOpened()
    {
        using var api = ClientTestSupport.StartEmbedded();
        await using var gateway = await StartProxyAsync(ClientTestSupport.AddressOf(api));
        using var client = ClientTestSupport.ClientOf(gateway.Address);

        var act = async () =>
        {
            await foreach (var _ in client.WatchAllAsync()) { }
        };

        (await act.Should().ThrowAsync<HttpRequestException>()).Which.Message.Should().Contain("ws/events").And.Contain("502");
    }

    // /ws/events sends nothing until something happens: submit until an event arrives, then drain what came.
    private static async Task FeedUntilConnectedAsync(QueueApiClient client, Channel<TaskEvent> events)
    {
        await Eventually.TrueAsync(async ct =>
        {
            await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "is anyone listening" }, ct);
            return events.Reader.TryPeek(out _);
        }, Patience, "the events socket is open and delivering");
    }

    private static Channel<TaskEvent> Collect(IAsyncEnumerable<TaskEvent> feed)
    {
        var channel = Channel.CreateUnbounded<TaskEvent>();
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var message in feed) await channel.Writer.WriteAsync(message);
                channel.Writer.Complete();
            }
            catch (Exception ex)
            {
                channel.Writer.Complete(ex);
            }
        });
        return channel;
    }

    private static async Task<List<TaskEvent>> ReadForAsync(ChannelReader<TaskEvent> reader, string taskId, int count, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Patience);
        var seen = new List<TaskEvent>();
        while (seen.Count < count)
        {
            var message = await reader.ReadAsync(deadline.Token);
            if (message.TaskId == taskId) seen.Add(message);
        }
        return seen;
    }
}
