using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Xunit.Sdk;

namespace QueueHttpApi.Tests.Events;

/// <summary>
/// The test's end of a WebSocket: every receive has a deadline, and a message that does not come in
/// time (or a close where a message was due) fails the test saying so, never hangs it.
/// </summary>
public sealed class SocketProbe(WebSocket socket) : IDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public WebSocket Socket => socket;

    /// <summary>The next message, parsed; fails on a close or after <see cref="Patience"/>.</summary>
    public async Task<JsonElement> NextAsync()
    {
        var (type, text) = await ReceiveAsync();
        if (type == WebSocketMessageType.Close)
            throw new XunitException($"Expected a message, but the server closed the socket: {socket.CloseStatus} '{socket.CloseStatusDescription}'.");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The next <paramref name="count"/> messages.</summary>
    public async Task<List<JsonElement>> NextAsync(int count)
    {
        var messages = new List<JsonElement>(count);
        for (var i = 0; i < count; i++) messages.Add(await NextAsync());
        return messages;
    }

    /// <summary>The server's close, which must be the next frame; answers it, as a client does.</summary>
    public async Task<(WebSocketCloseStatus? Status, string? Reason)> ExpectCloseAsync()
    {
        var (type, text) = await ReceiveAsync();
        if (type != WebSocketMessageType.Close) throw new XunitException($"Expected the server to close, but it sent {text}.");
        using var deadline = new CancellationTokenSource(Patience);
        if (socket.State == WebSocketState.CloseReceived)
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", deadline.Token);
        return (socket.CloseStatus, socket.CloseStatusDescription);
    }

    /// <summary>Every message until the server closes, then the close.</summary>
    public async Task<(List<JsonElement> Messages, WebSocketCloseStatus? Status, string? Reason)> ReadToCloseAsync()
    {
        var messages = new List<JsonElement>();
        while (true)
        {
            var (type, text) = await ReceiveAsync();
            if (type == WebSocketMessageType.Close) return (messages, socket.CloseStatus, socket.CloseStatusDescription);
            messages.Add(JsonDocument.Parse(text).RootElement.Clone());
        }
    }

    private async Task<(WebSocketMessageType Type, string Text)> ReceiveAsync()
    {
        using var deadline = new CancellationTokenSource(Patience);
        var buffer = new byte[16 * 1024];
        using var text = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, deadline.Token);
                if (result.MessageType == WebSocketMessageType.Close) return (result.MessageType, "");
                text.Write(buffer, 0, result.Count);
                if (result.EndOfMessage) return (result.MessageType, Encoding.UTF8.GetString(text.ToArray()));
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new XunitException($"Nothing arrived on the socket within {Patience.TotalSeconds:0} s.");
        }
    }

    public void Dispose() => socket.Dispose();
}
