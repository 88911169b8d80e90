using System.Net;
using System.Runtime.CompilerServices;
using QueueClient.Internal;

namespace QueueClient;

// Following tasks live: /ws/tasks/{id} and /ws/events, with polling when the sockets cannot be used.
public sealed partial class QueueApiClient
{
    /// <summary>How often <see cref="WatchAsync"/> reopens a dropped task socket before it polls instead.</summary>
    internal const int WatchReconnects = 3;

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <inheritdoc/>
    /// <exception cref="QueueApiException">404 for an unknown task (or one purged while waiting); any refusal of a poll.</exception>
    public async Task<QueueTask> WaitForCompletionAsync(string id, CancellationToken cancellationToken = default)
    {
        var task = await GetTaskAsync(id, cancellationToken);
        if (task.Status.IsFinished()) return task;
        // No reopening here: when the socket cannot be used, polling is what the caller was promised.
        await foreach (var message in FollowAsync(id, reconnects: 0, cancellationToken))
        {
            if (message.IsTerminal || message is { Type: "snapshot", Task.Status: var status } && status.IsFinished()) break;
        }
        // The socket only says that it finished; the whole task (result, errors) is read once more.
        return await GetTaskAsync(id, cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="QueueApiException">404 for an unknown task (or one purged while polling); any refusal of a poll.</exception>
    public IAsyncEnumerable<TaskEvent> WatchAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return FollowAsync(id, WatchReconnects, cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="HttpRequestException">The first socket could not be opened (later drops are reopened, with backoff, until cancelled).</exception>
    public async IAsyncEnumerable<TaskEvent> WatchAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var uri = _settings.WebSocket("ws/events");
        var failures = 0;
        var everOpened = false;
        while (true)
        {
            if (failures > 0) await Task.Delay(Backoff(failures), _time, cancellationToken);
            var (socket, refusal) = await TaskSocket.ConnectAsync(uri, _settings.ApiKey, _options.WebSocketConnectTimeout, _time, cancellationToken);
            if (socket is null)
            {
                if (!everOpened) throw Unopened(uri, refusal!);
                failures++;
                continue;
            }
            everOpened = true;
            await using (socket)
            {
                // Events published while no socket was open are not sent again (at most once): docs/api-events.md.
                while ((await socket.ReceiveAsync(cancellationToken)).Message is { } message)
                {
                    failures = 0;
                    yield return message;
                }
            }
            failures++;
        }
    }

    /// <summary>
    /// The task's messages from <c>/ws/tasks/{id}</c> until a terminal event or a normal close; a dropped socket is
    /// reopened up to <paramref name="reconnects"/> times in a row (its first message is a fresh snapshot), then
    /// the task is polled, yielding a snapshot whenever its <c>updatedAt</c> moved, until it is finished.
    /// </summary>
    private async IAsyncEnumerable<TaskEvent> FollowAsync(string id, int reconnects, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var uri = _settings.WebSocket("ws/tasks/" + Uri.EscapeDataString(id));
        var failures = 0;
        DateTimeOffset? lastChange = null;
        while (failures <= reconnects)
        {
            if (failures > 0) await Task.Delay(Backoff(failures), _time, cancellationToken);
            var (socket, refusal) = await TaskSocket.ConnectAsync(uri, _settings.ApiKey, _options.WebSocketConnectTimeout, _time, cancellationToken);
            if (socket is null)
            {
                // The API refuses an unknown id before the upgrade; a GET says why, as a problem.
                if (refusal!.StatusCode == HttpStatusCode.NotFound) await GetTaskAsync(id, cancellationToken);
                failures++;
                continue;
            }
            await using (socket)
            {
                while (true)
                {
                    var read = await socket.ReceiveAsync(cancellationToken);
                    if (read.Message is not { } message)
                    {
                        // 1000 ends the feed (finished, or purged: the caller's next GET says which); anything else is a drop.
                        if (read.IsNormalClose) yield break;
                        break;
                    }
                    failures = 0;
                    lastChange = message.Task?.UpdatedAt ?? message.At ?? lastChange;
                    yield return message;
                    if (message.IsTerminal) yield break;
                }
            }
            failures++;
        }

        await foreach (var snapshot in PollAsync(id, lastChange, cancellationToken)) yield return snapshot;
    }

    /// <summary>
    /// Polls until the task is finished. An API that cannot be reached, or answers 502/503/504 (restarting, a gateway
    /// in front of it, its store down), is waited out with backoff up to <see cref="MaxPollBackoff"/>: a wait outlives
    /// an API restart. Only the caller's token ends it early; any other refusal (404) is thrown.
    /// </summary>
    private async IAsyncEnumerable<TaskEvent> PollAsync(string id, DateTimeOffset? lastChange, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var failures = 0;
        while (true)
        {
            QueueTask task;
            try
            {
                task = await GetTaskAsync(id, cancellationToken);
                failures = 0;
            }
            catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                failures++;
                await Task.Delay(PollBackoff(failures), _time, cancellationToken);
                continue;
            }
            if (task.UpdatedAt != lastChange)
            {
                lastChange = task.UpdatedAt;
                yield return new TaskEvent { Type = "snapshot", TaskId = task.Id, Status = task.Status, Task = task };
            }
            if (task.Status.IsFinished()) yield break;
            await Task.Delay(_options.PollInterval, _time, cancellationToken);
        }
    }

    /// <summary>The longest pause between two polls while the API cannot be reached.</summary>
    internal static readonly TimeSpan MaxPollBackoff = TimeSpan.FromSeconds(30);

    private TimeSpan PollBackoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(Math.Max(MaxPollBackoff.Ticks, _options.PollInterval.Ticks), _options.PollInterval.Ticks << Math.Min(failures - 1, 10)));

    private static bool IsTransient(Exception ex) =>
        ex is HttpRequestException
        || ex is QueueApiException { StatusCode: HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout };

    private static TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, FirstBackoff.Ticks << Math.Min(failures - 1, 10)));

    private static HttpRequestException Unopened(Uri uri, SocketRefusal refusal) =>
        new(HttpRequestError.Unknown,
            refusal.StatusCode is { } status
                ? $"The WebSocket {uri} was refused with {(int)status} {status}."
                : $"The WebSocket {uri} could not be opened: {refusal.Error.Message}",
            refusal.Error, refusal.StatusCode);
}
