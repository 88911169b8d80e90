using System.Net.Sockets;
using System.Text;

namespace QueueCtl.Orchestration;

/// <summary>What a PING to a Redis address found.</summary>
internal enum RedisAnswer
{
    /// <summary>Nothing listens there, or it did not answer in time.</summary>
    NoAnswer,

    /// <summary>+PONG: a Redis ready for commands.</summary>
    Ready,

    /// <summary>-LOADING: a Redis replaying its data; it will be ready soon.</summary>
    Loading,

    /// <summary>A Redis (or something else) that refused: wrong password, NOAUTH, or an answer that is not RESP.</summary>
    Refused,
}

/// <summary>
/// PING over a raw TCP socket in RESP (AUTH first when the address has a password): enough to tell whether a
/// Redis answers, without a client library in queuectl.
/// </summary>
internal static class RedisProbe
{
    /// <summary>PINGs <paramref name="address"/>; <paramref name="reply"/> is the first reply line (for messages).</summary>
    public static async Task<(RedisAnswer Answer, string Reply)> PingAsync(RedisAddress address, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(address.Host, address.Port, deadline.Token);
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 256, leaveOpen: true);
            if (address.Password is not null)
            {
                await stream.WriteAsync(Command(address.User is null ? ["AUTH", address.Password] : ["AUTH", address.User, address.Password]), deadline.Token);
                var auth = await reader.ReadLineAsync(deadline.Token) ?? "";
                if (!auth.StartsWith("+OK", StringComparison.Ordinal)) return (RedisAnswer.Refused, auth);
            }
            await stream.WriteAsync(Command(["PING"]), deadline.Token);
            var reply = await reader.ReadLineAsync(deadline.Token) ?? "";
            if (reply.StartsWith("+PONG", StringComparison.Ordinal)) return (RedisAnswer.Ready, reply);
            if (reply.StartsWith("-LOADING", StringComparison.Ordinal)) return (RedisAnswer.Loading, reply);
            return (RedisAnswer.Refused, reply.Length == 0 ? "(connection closed without a reply)" : reply);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (RedisAnswer.NoAnswer, ex.Message);
        }
    }

    private static byte[] Command(string[] parts)
    {
        var text = new StringBuilder().Append('*').Append(parts.Length).Append("\r\n");
        foreach (var part in parts) text.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
