using System.Net.WebSockets;
using System.Threading.Channels;

namespace QueueHttpApi.Events;

/// <summary>
/// One WebSocket client of an event feed: a bounded queue of serialized messages drained by one send
/// loop, and a receive loop that only watches for the client's close (clients have nothing to say on
/// these feeds; what they send is ignored). Producers call <see cref="TrySend"/>, which never waits: a
/// client that falls <c>capacity</c> messages behind is dropped — its queue is discarded and the socket
/// closed with 1008 and a reason — so a slow client costs the broadcaster nothing. Every way out
/// (finished, overrun, shutdown, the client's close, a broken connection) goes through one close, and
/// a close that takes longer than the close timeout aborts the socket.
/// </summary>
internal sealed class EventSocket : IDisposable
{
    /// <summary>The close reason a client too slow for its feed gets (WebSocket reasons are at most 123 bytes).</summary>
    public const string OverrunReason = "too slow: the send queue overflowed; re-read GET /tasks/{id} and reconnect";

    private readonly Channel<ReadOnlyMemory<byte>> _outbox;
    private readonly TimeSpan _closeTimeout;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _abort;
    private readonly Action? _onOverrun;
    private readonly Lock _lock = new();
    private (WebSocketCloseStatus Status, string Reason)? _close;
    private bool _dropPending;
    private bool _disposed;

    /// <param name="capacity">Messages that may wait to be sent.</param>
    /// <param name="closeTimeout">How long a close (or the send in flight when dropping a slow client) may take.</param>
    /// <param name="time">The clock of the close timeout.</param>
    /// <param name="onOverrun">Told once when the client is dropped as too slow (counted by the broadcaster).</param>
    public EventSocket(int capacity, TimeSpan closeTimeout, TimeProvider time, Action? onOverrun = null)
    {
        _onOverrun = onOverrun;
        _outbox = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then answers false: the overrun signal
            SingleReader = true,
        });
        _closeTimeout = closeTimeout;
        _time = time;
        _abort = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
    }

    /// <summary>True once the client fell too far behind and was dropped.</summary>
    public bool IsOverrun { get; private set; }

    /// <summary>Queues one message; false when the socket is closing, or when the client is too far behind (it is then dropped).</summary>
    public bool TrySend(ReadOnlyMemory<byte> message)
    {
        if (_outbox.Writer.TryWrite(message)) return true;
        lock (_lock)
        {
            if (_close is not null) return false;
            IsOverrun = true;
            // The send in flight gets the close timeout to finish, then the socket is aborted.
            CloseLocked(WebSocketCloseStatus.PolicyViolation, OverrunReason, dropPending: true);
        }
        _onOverrun?.Invoke();
        return false;
    }

    /// <summary>Closes with <paramref name="status"/> once the messages already queued are sent (a terminal event).</summary>
    public void CloseAfterPending(WebSocketCloseStatus status, string reason)
    {
        lock (_lock)
        {
            if (_close is null) CloseLocked(status, reason, dropPending: false);
        }
    }

    /// <summary>Closes at once, dropping what is queued (the server is stopping).</summary>
    public void CloseNow(WebSocketCloseStatus status, string reason)
    {
        lock (_lock)
        {
            if (_close is null) CloseLocked(status, reason, dropPending: true);
        }
    }

    private void CloseLocked(WebSocketCloseStatus status, string reason, bool dropPending)
    {
        _close = (status, reason);
        _outbox.Writer.TryComplete();
        if (!dropPending) return;
        _dropPending = true;
        if (!_disposed) _abort.CancelAfter(_closeTimeout);
    }

    /// <summary>
    /// Sends until a close is asked for (or the client leaves), then closes the socket: with the status
    /// asked for, echoing the client's own close when it left first; aborted when the closing takes
    /// longer than the close timeout or the connection broke.
    /// </summary>
    public async Task RunAsync(WebSocket socket, CancellationToken requestAborted)
    {
        using var link = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _abort.Token);
        var receiving = ReceiveAsync(socket, link.Token);
        try
        {
            await SendAllAsync(socket, link.Token);
            (WebSocketCloseStatus Status, string Reason) close;
            lock (_lock) close = _close ?? (WebSocketCloseStatus.NormalClosure, "");
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                lock (_lock) _abort.CancelAfter(_closeTimeout);
                await socket.CloseOutputAsync(close.Status, close.Reason, link.Token);
            }
            // The client answers our close (or already sent its own): wait for it, within the close timeout.
            await receiving.WaitAsync(_closeTimeout, _time, link.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or TimeoutException or IOException)
        {
            // The connection broke, or closing took too long: nothing more can be said to this client.
        }
        finally
        {
            lock (_lock)
            {
                if (_close is null) CloseLocked(WebSocketCloseStatus.EndpointUnavailable, "", dropPending: true);
            }
            if (socket.State is not WebSocketState.Closed) socket.Abort();
            await receiving; // ends at once on an aborted socket; it handles its own failures
        }
    }

    private async Task SendAllAsync(WebSocket socket, CancellationToken ct)
    {
        var reader = _outbox.Reader;
        while (await reader.WaitToReadAsync(ct))
        {
            while (!IsDroppingPending() && reader.TryRead(out var message))
                await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, ct);
            if (IsDroppingPending()) return;
        }
    }

    private bool IsDroppingPending()
    {
        lock (_lock) return _dropPending;
    }

    private async Task ReceiveAsync(WebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[512];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                if (result.MessageType != WebSocketMessageType.Close) continue;
                lock (_lock)
                {
                    // The client leaves: nothing more is sent; its close is answered with its own status.
                    if (_close is null) CloseLocked(socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, "", dropPending: true);
                }
                return;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Gone without a close (or we gave up on it): stop sending at once.
            lock (_lock)
            {
                if (_close is null) CloseLocked(WebSocketCloseStatus.EndpointUnavailable, "", dropPending: true);
            }
            // RunAsync awaits this loop before the socket can be disposed: the source is alive here.
            await _abort.CancelAsync();
        }
    }

    /// <summary>Releases the close timer; call after <see cref="RunAsync"/> and once no producer can send any more.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _outbox.Writer.TryComplete();
        }
        _abort.Dispose();
    }
}
