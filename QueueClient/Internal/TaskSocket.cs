using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

namespace QueueClient.Internal;

/// <summary>What one read of a <see cref="TaskSocket"/> gave: a message, or the end of the socket and how it ended.</summary>
/// <param name="Message">The message; null when the socket ended.</param>
/// <param name="CloseStatus">The server's close code when it closed the socket; null when it dropped.</param>
/// <param name="Reason">The close reason, or what broke.</param>
internal readonly record struct SocketRead(TaskEvent? Message, WebSocketCloseStatus? CloseStatus, string? Reason)
{
    /// <summary>True when the server closed the socket normally (1000): the feed is over, nothing was lost.</summary>
    public bool IsNormalClose => CloseStatus == WebSocketCloseStatus.NormalClosure;
}

/// <summary>Why a socket could not be opened.</summary>
/// <param name="StatusCode">The HTTP status the server refused the upgrade with; null when there was no answer (refused, timed out).</param>
/// <param name="Error">What went wrong.</param>
internal sealed record SocketRefusal(HttpStatusCode? StatusCode, Exception Error);

/// <summary>
/// One client WebSocket of the task-event feeds (docs/api-events.md): opened with a deadline, read one JSON
/// message at a time. Reads never throw for a broken or closed socket (they say so), so callers can
/// <c>yield</c> around them; only the caller's cancellation throws.
/// </summary>
internal sealed class TaskSocket : IAsyncDisposable
{
    /// <summary>How often the client pings the server over an idle socket.</summary>
    internal static TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a ping may go unanswered before the socket counts as dropped.</summary>
    internal static TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Largest message accepted; a snapshot carries a whole task, a long transcript included.</summary>
    private const int MaxMessageBytes = 32 * 1024 * 1024;

    /// <summary>How long a polite close may take before the socket is simply dropped.</summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private readonly ClientWebSocket _socket;
    private readonly TimeProvider _time;
    private readonly byte[] _chunk = new byte[16 * 1024];

    private TaskSocket(ClientWebSocket socket, TimeProvider time)
    {
        _socket = socket;
        _time = time;
    }

    /// <summary>Opens <paramref name="uri"/>, sending <c>X-Api-Key</c> when <paramref name="apiKey"/> is set.</summary>
    /// <returns>The socket, or why it could not be opened within <paramref name="timeout"/>.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static async Task<(TaskSocket? Socket, SocketRefusal? Refusal)> ConnectAsync(Uri uri, string? apiKey, TimeSpan timeout,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        // A server that goes silent without closing (a partition, a paused machine) must count as a drop, so the
        // caller reconnects or polls instead of waiting forever: ping it, and give up when no pong comes back.
        socket.Options.KeepAliveInterval = KeepAliveInterval;
        socket.Options.KeepAliveTimeout = KeepAliveTimeout;
        if (apiKey is not null) socket.Options.SetRequestHeader(ClientSettings.ApiKeyHeader, apiKey);
        using var timer = new CancellationTokenSource(timeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await socket.ConnectAsync(uri, deadline.Token);
            return (new TaskSocket(socket, time), null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is WebSocketException or HttpRequestException or IOException or OperationCanceledException)
        {
            var status = socket.HttpStatusCode == 0 ? (HttpStatusCode?)null : socket.HttpStatusCode;
            socket.Dispose();
            var error = ex is OperationCanceledException ? new TimeoutException($"The WebSocket {uri} did not open within {timeout}.", ex) : ex;
            return (null, new SocketRefusal(status, error));
        }
        catch (Exception ex)
        {
            socket.Dispose();
            if (cancellationToken.IsCancellationRequested) throw new OperationCanceledException("Cancelled while opening the WebSocket.", ex, cancellationToken);
            throw;
        }
    }

    /// <summary>The next message; a message that is not a task event (not JSON, no <c>type</c>, binary) is skipped.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired (the socket is aborted).</exception>
    public async Task<SocketRead> ReceiveAsync(CancellationToken cancellationToken)
    {
        using var message = new MemoryStream();
        while (true)
        {
            ValueWebSocketReceiveResult result;
            try
            {
                result = await _socket.ReceiveAsync(_chunk.AsMemory(), cancellationToken);
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("Cancelled while reading the WebSocket.", ex, cancellationToken);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                return new SocketRead(null, null, ex.Message);
            }

            if (result.MessageType == WebSocketMessageType.Close)
                return new SocketRead(null, _socket.CloseStatus, _socket.CloseStatusDescription);
            message.Write(_chunk, 0, result.Count);
            if (message.Length > MaxMessageBytes)
            {
                _socket.Abort();
                return new SocketRead(null, null, $"A message was larger than {MaxMessageBytes} bytes.");
            }
            if (!result.EndOfMessage) continue;
            if (result.MessageType == WebSocketMessageType.Text && Parse(message.GetBuffer().AsSpan(0, (int)message.Length)) is { } taskEvent)
                return new SocketRead(taskEvent, null, null);
            message.SetLength(0);
        }
    }

    /// <summary>A message as a <see cref="TaskEvent"/>; a snapshot gets its task's id and status on the event too.</summary>
    internal static TaskEvent? Parse(ReadOnlySpan<byte> json)
    {
        TaskEvent? taskEvent;
        try
        {
            taskEvent = JsonSerializer.Deserialize<TaskEvent>(json, QueueJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
        if (taskEvent is { Type: "snapshot", Task: { } task })
            return taskEvent with { TaskId = taskEvent.TaskId ?? task.Id, Status = taskEvent.Status ?? task.Status };
        return taskEvent;
    }

    /// <summary>Closes politely when the socket is still open (or answers the server's close), then releases it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var deadline = new CancellationTokenSource(CloseTimeout, _time);
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", deadline.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // Nothing to save: the server sees a dropped connection instead of a close frame.
            }
        }
        _socket.Dispose();
    }
}
