using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using QueueHttpApi.Tasks;
using QueueHttpApi.Tests.Support;
using QueueService.Stores;
using QueueService.Tasks;

namespace QueueHttpApi.Tests.Events;

/// <summary>
/// The WebSocket feeds against the real API and a real store, written once and run in the embedded
/// (memory) mode and the Redis mode by a subclass that supplies the factory. No workers: each test moves
/// its tasks through <see cref="ApiFactory.Store"/> itself, so it knows the exact messages due.
/// </summary>
public abstract class TaskEventSocketTests : IDisposable
{
    /// <summary>The queue the tests use.</summary>
    protected const string Queue = "risk-detection";

    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;
    private readonly List<ApiFactory> _apis = [];

    /// <summary>A fresh API on the store under test, with <paramref name="settings"/> on top of the suite's.</summary>
    protected abstract ApiFactory CreateApi(IReadOnlyDictionary<string, string?> settings);

    /// <summary>An API disposed with the test; positions are re-read at most every 20 ms so tests stay quick.</summary>
    /// <remarks>No shutdown backup: these tests need none, and writing it only slows every dispose.</remarks>
    protected ApiFactory StartApi(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Queue:Events:PositionInterval"] = "00:00:00.020",
            ["Queue:Snapshots:BackupOnShutdown"] = "false",
        };
        var api = CreateApi(all);
        _apis.Add(api);
        return api;
    }

    [Fact]
    public async Task Sockets_SendTheExactSequence_WhenATaskIsLeasedProgressedAndCompleted()
    {
        var api = StartApi();
        using var all = await ConnectAsync(api, "ws/events");
        var id = (await api.Store.EnqueueAsync(new NewTask(Queue, "{}"))).Id;
        var queued = await ReadAsync(api, id);
        using var one = await ConnectAsync(api, $"ws/tasks/{id}");

        var lease = (await api.Store.LeaseAsync("worker-1", [Queue], 1, Lease)).Single();
        var started = await ReadAsync(api, id);
        await api.Store.ReportProgressAsync(lease, new TaskProgress(50, "half-way", """{"chunk":1}"""));
        var progressed = await ReadAsync(api, id);
        await api.Store.CompleteAsync(lease, """{"ok":true}""");
        var completed = await ReadAsync(api, id);

        JsonElement[] events =
        [
            EventJson("queued", queued),
            EventJson("started", started, 1, "worker-1"),
            EventJson("progress", progressed, 1, "worker-1", progress: new ProgressView(50, "half-way")),
            EventJson("completed", completed, 1, "worker-1"),
        ];
        ShouldMatch(await all.NextAsync(4), events);
        await AssertNothingElseAsync(api, all);

        var (messages, status, reason) = await one.ReadToCloseAsync();
        ShouldMatch(messages, [SnapshotJson(queued), .. events[1..]]);
        messages[0].GetProperty("task").GetProperty("queuePosition").GetInt64().Should().Be(1);
        status.Should().Be(WebSocketCloseStatus.NormalClosure);
        reason.Should().Be("task completed");
    }

    [Fact]
    public async Task TaskSocket_SendsPositionMessages_WhenTasksAheadAreLeasedOrJumpTheLine()
    {
        var api = StartApi();
        var ahead = (await api.Store.EnqueueAsync(new NewTask(Queue, "{}"))).Id;
        var mine = (await api.Store.EnqueueAsync(new NewTask(Queue, "{}"))).Id;
        using var watch = await ConnectAsync(api, $"ws/tasks/{mine}");
        (await watch.NextAsync()).GetProperty("task").GetProperty("queuePosition").GetInt64().Should().Be(2);

        (await api.Store.LeaseAsync("worker-1", [Queue], 1, Lease)).Single().TaskId.Should().Be(ahead);
        ShouldMatch([await watch.NextAsync()], [PositionJson(mine, 1)]);

        var urgent = (await api.Store.EnqueueAsync(new NewTask(Queue, "{}") { Priority = 90 })).Id;
        ShouldMatch([await watch.NextAsync()], [PositionJson(mine, 2)]);

        (await api.Store.LeaseAsync("worker-2", [Queue], 1, Lease)).Single().TaskId.Should().Be(urgent);
        ShouldMatch([await watch.NextAsync()], [PositionJson(mine, 1)]);

        await api.Store.LeaseAsync("worker-3", [Queue], 1, Lease);
        ShouldMatch([await watch.NextAsync()], [EventJson("started", await ReadAsync(api, mine), 1, "worker-3")]);
    }

    [Fact]
    public async Task TaskSocket_SendsTheSnapshotAndCloses_WhenTheTaskAlreadyFinished()
    {
        var api = StartApi();
        var id = (await api.Store.EnqueueAsync(new NewTask(Queue, "{}"))).Id;
        var lease = (await api.Store.LeaseAsync("worker-1", [Queue], 1, Lease)).Single();
        await api.Store.CompleteAsync(lease, """{"score":3}""");

        using var watch = await ConnectAsync(api, $"ws/tasks/{id}");

        var (messages, status, reason) = await watch.ReadToCloseAsync();
        ShouldMatch(messages, [SnapshotJson(await ReadAsync(api, id))]);
        status.Should().Be(WebSocketCloseStatus.NormalClosure);
        reason.Should().Be("task already completed");
    }

    [Theory]
    [InlineData("cancelled")]
    [InlineData("failed")]
    public async Task TaskSocket_ClosesNormally_AfterATerminalEvent(string outcome)
    {
        var api = StartApi();
        var id = (await api.Store.EnqueueAsync(new NewTask(Queue, "{}") { MaxRetries = 0 })).Id;
        using var watch = await ConnectAsync(api, $"ws/tasks/{id}");
        await watch.NextAsync();

        if (outcome == "cancelled")
        {
            await api.Store.CancelAsync(id);
        }
        else
        {
            var lease = (await api.Store.LeaseAsync("worker-1", [Queue], 1, Lease)).Single();
            await watch.NextAsync(); // started
            await api.Store.FailAsync(lease, new TaskFailure("no such file", IsRetryable: false));
        }

        var (messages, status, reason) = await watch.ReadToCloseAsync();
        messages.Should().ContainSingle().Which.GetProperty("type").GetString().Should().Be(outcome);
        status.Should().Be(WebSocketCloseStatus.NormalClosure);
        reason.Should().Be($"task {outcome}");
    }

    [Fact]
    public async Task TaskSocket_RefusesTheUpgradeWith404_WhenTheIdIsUnknown()
    {
        var api = StartApi();

        var connect = () => ConnectAsync(api, "ws/tasks/no-such-task");

        (await connect.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*status code: 404*");
        // The body of that refusal, read through the test server with a WebSocket upgrade request.
        var context = await api.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = "/ws/tasks/no-such-task";
            c.Features.Set<IHttpWebSocketFeature>(new UpgradeRequest());
        });
        context.Response.StatusCode.Should().Be(StatusCodes.Status404NotFound);
        context.Response.ContentType.Should().StartWith("application/problem+json");
        var problem = await JsonDocument.ParseAsync(context.Response.Body);
        problem.RootElement.GetProperty("status").GetInt32().Should().Be(404);
        problem.RootElement.GetProperty("detail").GetString().Should().Contain("no-such-task");
    }

    [Theory]
    [InlineData("/ws/events")]
    [InlineData("/ws/tasks/some-task")]
    public async Task Endpoints_Answer400Problem_WhenTheRequestIsNotAWebSocket(string path)
    {
        var api = StartApi();
        using var client = api.CreateClient();

        using var response = await client.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
        problem.RootElement.GetProperty("title").GetString().Should().Be("A WebSocket request is required");
        problem.RootElement.GetProperty("detail").GetString().Should().Contain(path);
    }

    [Fact]
    public async Task Sockets_AreClosedWith1001_WhenTheServerStops()
    {
        var api = StartApi();
        var id = (await api.Store.EnqueueAsync(new NewTask(Queue, "{}"))).Id;
        using var all = await ConnectAsync(api, "ws/events");
        using var one = await ConnectAsync(api, $"ws/tasks/{id}");
        await one.NextAsync();

        var stopping = Task.Run(api.Dispose);

        foreach (var socket in new[] { all, one })
        {
            var (status, reason) = await socket.ExpectCloseAsync();
            status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
            reason.Should().Be("server shutting down");
        }
        await stopping.WaitAsync(SocketProbe.Patience);
    }

    /// <summary>Opens a socket on the in-process server.</summary>
    protected static async Task<SocketProbe> ConnectAsync(ApiFactory api, string path)
    {
        var client = api.Server.CreateWebSocketClient();
        using var deadline = new CancellationTokenSource(SocketProbe.Patience);
        return new SocketProbe(await client.ConnectAsync(new Uri($"ws://localhost/{path}"), deadline.Token));
    }

    /// <summary>Reads a task that must exist.</summary>
    protected static async Task<QueueTask> ReadAsync(ApiFactory api, string id) =>
        await api.Store.GetAsync(id) ?? throw new InvalidOperationException($"task {id} should exist");

    /// <summary>Proves nothing else is pending on a feed of every event: a sentinel's event must come next.</summary>
    protected static async Task AssertNothingElseAsync(ApiFactory api, SocketProbe feed)
    {
        var sentinel = (await api.Store.EnqueueAsync(new NewTask("sentinel", "{}"))).Id;
        var next = await feed.NextAsync();
        next.GetProperty("taskId").GetString().Should().Be(sentinel, "only the sentinel's event should be pending, but {0} was", next);
    }

    /// <summary>The whole event message a change to <paramref name="task"/> (read right after it) produces.</summary>
    protected static JsonElement EventJson(string type, QueueTask task, int? attempt = null, string? worker = null,
        ProgressView? progress = null, string? error = null) => JsonSerializer.SerializeToElement(new
        {
            type,
            taskId = task.Id,
            queue = task.Type,
            status = task.Status.ToWire(),
            at = task.UpdatedAt,
            attempt,
            workerId = worker,
            progress,
            error,
            scheduledFor = task.Status == QueueTaskStatus.Scheduled ? task.ScheduledFor : null,
        }, Json);

    /// <summary>The snapshot message of <paramref name="task"/>.</summary>
    protected static JsonElement SnapshotJson(QueueTask task) =>
        JsonSerializer.SerializeToElement(new { type = "snapshot", task = TaskView.From(task) }, Json);

    /// <summary>A position message.</summary>
    protected static JsonElement PositionJson(string taskId, long position, double? waitSeconds = null) =>
        JsonSerializer.SerializeToElement(new { type = "position", taskId, queuePosition = position, estimatedWaitSeconds = waitSeconds }, Json);

    /// <summary>Asserts the messages equal the expected ones exactly: same properties, same values, same order of messages.</summary>
    protected static void ShouldMatch(IReadOnlyList<JsonElement> actual, IReadOnlyList<JsonElement> expected)
    {
        actual.Select(m => m.GetRawText()).Should().HaveCount(expected.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            JsonElement.DeepEquals(actual[i], expected[i]).Should().BeTrue(
                "message {0} should be\n{1}\nbut was\n{2}", i, expected[i].GetRawText(), actual[i].GetRawText());
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var api in _apis) api.Dispose();
        GC.SuppressFinalize(this);
    }

    // What the test server's own WebSocket client sets to make a request an upgrade; accepting is never reached here.
    private sealed class UpgradeRequest : IHttpWebSocketFeature
    {
        public bool IsWebSocketRequest => true;

        public Task<WebSocket> AcceptAsync(WebSocketAcceptContext context) =>
            throw new InvalidOperationException("the refusal comes before any upgrade");
    }
}
