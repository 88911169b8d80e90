using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace QueueHttpApi.Tests.Fuzz;

/// <summary>
/// HTTP/1.1 by hand on a loopback socket: writes exactly the bytes given (malformed or not) and reads back whatever
/// responses come, parsing just enough (status line, headers, a body by length or chunks) to check them.
/// </summary>
internal static class RawHttp
{
    /// <summary>How long one exchange may take before it counts as a hang.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private const int MaxHeaderBytes = 64 * 1024;

    /// <summary>What came back on one connection.</summary>
    /// <param name="Responses">The responses read, in order.</param>
    /// <param name="End">Why reading stopped before the expected count: <c>closed</c>, <c>reset</c> or <c>timeout</c>; null when every expected response came.</param>
    public sealed record Exchange(IReadOnlyList<FuzzResponse> Responses, string? End);

    /// <summary>The bytes of <paramref name="request"/> as a well-formed HTTP/1.1 request to <paramref name="host"/>.</summary>
    public static byte[] Compose(FuzzRequest request, string host)
    {
        var head = new StringBuilder();
        head.Append(request.Method).Append(' ').Append(request.Target).Append(" HTTP/1.1\r\n");
        head.Append("Host: ").Append(host).Append("\r\n");
        foreach (var (name, value) in request.Headers) head.Append(name).Append(": ").Append(value).Append("\r\n");
        if (request.ContentType is not null) head.Append("Content-Type: ").Append(request.ContentType).Append("\r\n");
        var body = request.Body ?? [];
        if (request.Chunked) head.Append("Transfer-Encoding: chunked\r\n");
        else if (request.Body is not null) head.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        head.Append("\r\n");
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(head.ToString()));
        if (request.Chunked)
        {
            if (body.Length > 0)
            {
                bytes.AddRange(Encoding.ASCII.GetBytes($"{body.Length:x}\r\n"));
                bytes.AddRange(body);
                bytes.AddRange("\r\n"u8.ToArray());
            }
            bytes.AddRange("0\r\n\r\n"u8.ToArray());
        }
        else
        {
            bytes.AddRange(body);
        }
        return [.. bytes];
    }

    /// <summary>
    /// Connects to <paramref name="server"/>, writes <paramref name="bytes"/> (then half-closes when
    /// <paramref name="halfClose"/>: the request is cut short on purpose) and reads up to <paramref name="expected"/>
    /// responses. A <c>101</c> ends the reading (the connection is no longer HTTP).
    /// </summary>
    public static async Task<Exchange> ExchangeAsync(IPEndPoint server, byte[] bytes, bool halfClose, int expected = 1, bool head = false,
        byte[]? afterUpgrade = null)
    {
        using var deadline = new CancellationTokenSource(Patience);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server, deadline.Token);
        var responses = new List<FuzzResponse>();
        try
        {
            await SendAllAsync(socket, bytes, deadline.Token);
            if (halfClose) socket.Shutdown(SocketShutdown.Send);
            var reader = new Reader(socket, deadline.Token);
            while (responses.Count < expected)
            {
                var response = await ReadResponseAsync(reader, head);
                if (response is null) return new Exchange(responses, "closed");
                if (response.Status is >= 100 and < 200 and not 101) continue; // 100 Continue: the answer follows
                responses.Add(response);
                if (response.ClosesConnection && responses.Count < expected) return new Exchange(responses, "Connection: close");
                if (response.Status != 101) continue;
                if (afterUpgrade is not null) await SendAllAsync(socket, afterUpgrade, deadline.Token);
                break;
            }
            return new Exchange(responses, null);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return new Exchange(responses, "timeout");
        }
        catch (IOException ex)
        {
            return new Exchange(responses, $"closed mid-response ({ex.Message})");
        }
        catch (SocketException ex)
        {
            // A reset after the server answered and closed (it does not read a body it refused): what was read stands.
            return new Exchange(responses, $"reset ({ex.SocketErrorCode})");
        }
    }

    /// <summary>Writes <paramref name="bytes"/> and goes away at once, reading nothing (a reset when <paramref name="reset"/>).</summary>
    public static async Task AbandonAsync(IPEndPoint server, byte[] bytes, bool reset)
    {
        using var deadline = new CancellationTokenSource(Patience);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server, deadline.Token);
        try
        {
            await SendAllAsync(socket, bytes, deadline.Token);
        }
        catch (SocketException)
        {
            // The server may already have refused and closed: going away is the point either way.
        }
        if (reset) socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private static async Task SendAllAsync(Socket socket, byte[] bytes, CancellationToken cancellationToken)
    {
        var sent = 0;
        while (sent < bytes.Length) sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancellationToken);
    }

    private static async Task<FuzzResponse?> ReadResponseAsync(Reader reader, bool head)
    {
        var headBytes = await reader.ReadUntilBlankLineAsync();
        if (headBytes is null) return null;
        var lines = Encoding.Latin1.GetString(headBytes).Split("\r\n");
        var statusParts = lines[0].Split(' ', 3);
        if (statusParts.Length < 2 || !int.TryParse(statusParts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
            return new FuzzResponse(0, null, headBytes, Failure: $"an unreadable status line '{lines[0]}'");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        var mediaType = headers.TryGetValue("Content-Type", out var type) ? type.Split(';')[0].Trim().ToLowerInvariant() : null;
        headers.TryGetValue("Location", out var location);
        byte[] body;
        if (head || status is 101 or 204 or 304 or (>= 100 and < 200)) body = [];
        else if (headers.TryGetValue("Transfer-Encoding", out var coding) && coding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            body = await reader.ReadChunkedAsync();
        else if (headers.TryGetValue("Content-Length", out var length))
            body = await reader.ReadExactlyAsync(int.Parse(length, CultureInfo.InvariantCulture));
        else
            body = await reader.ReadToEndAsync();
        var closes = headers.TryGetValue("Connection", out var connection) && connection.Contains("close", StringComparison.OrdinalIgnoreCase);
        return new FuzzResponse(status, mediaType, body, location) { ClosesConnection = closes };
    }

    /// <summary>A buffered reader over the socket; every read honours the exchange's deadline.</summary>
    private sealed class Reader(Socket socket, CancellationToken cancellationToken)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;

        public async Task<byte[]?> ReadUntilBlankLineAsync()
        {
            var head = new List<byte>();
            while (true)
            {
                if (_start == _end && !await FillAsync()) return head.Count == 0 ? null : throw new IOException("The connection closed inside a response head.");
                head.Add(_buffer[_start++]);
                var n = head.Count;
                if (n >= 4 && head[n - 4] == '\r' && head[n - 3] == '\n' && head[n - 2] == '\r' && head[n - 1] == '\n')
                    return [.. head.Take(n - 4)];
                if (n > MaxHeaderBytes) throw new IOException("A response head over 64 KiB.");
            }
        }

        public async Task<byte[]> ReadExactlyAsync(int count)
        {
            var body = new byte[count];
            var filled = 0;
            while (filled < count)
            {
                if (_start == _end && !await FillAsync()) throw new IOException($"The connection closed after {filled} of {count} body bytes.");
                var take = Math.Min(count - filled, _end - _start);
                Array.Copy(_buffer, _start, body, filled, take);
                _start += take;
                filled += take;
            }
            return body;
        }

        public async Task<byte[]> ReadChunkedAsync()
        {
            var body = new List<byte>();
            while (true)
            {
                var sizeLine = Encoding.ASCII.GetString(await ReadLineAsync()).Split(';')[0].Trim();
                var size = int.Parse(sizeLine, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (size == 0)
                {
                    while ((await ReadLineAsync()).Length > 0) { } // trailers
                    return [.. body];
                }
                body.AddRange(await ReadExactlyAsync(size));
                await ReadLineAsync();
            }
        }

        public async Task<byte[]> ReadToEndAsync()
        {
            var body = new List<byte>();
            while (true)
            {
                if (_start == _end && !await FillAsync()) return [.. body];
                body.AddRange(_buffer.AsSpan(_start, _end - _start).ToArray());
                _start = _end;
            }
        }

        private async Task<byte[]> ReadLineAsync()
        {
            var line = new List<byte>();
            while (true)
            {
                if (_start == _end && !await FillAsync()) throw new IOException("The connection closed inside a chunked body.");
                var b = _buffer[_start++];
                if (b == '\n') return [.. line.Take(line.Count > 0 && line[^1] == '\r' ? line.Count - 1 : line.Count)];
                line.Add(b);
            }
        }

        private async Task<bool> FillAsync()
        {
            _start = 0;
            _end = await socket.ReceiveAsync(_buffer, SocketFlags.None, cancellationToken);
            return _end > 0;
        }
    }
}
