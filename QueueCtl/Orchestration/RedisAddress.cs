using System.Globalization;

namespace QueueCtl.Orchestration;

/// <summary>
/// The parts of a Redis address queuectl needs to probe it: <c>redis[s]://[[user]:password@]host[:port][/db]</c>
/// or StackExchange.Redis's <c>host[:port][,password=…][,user=…][,ssl=true]</c>. The original text is what the
/// API and workers receive in <c>REDIS_URL</c>.
/// </summary>
/// <param name="Url">The address as given.</param>
/// <param name="Host">Host name or address.</param>
/// <param name="Port">TCP port (6379 when not given).</param>
/// <param name="User">ACL user, if any.</param>
/// <param name="Password">Password, if any.</param>
/// <param name="IsTls">True for <c>rediss://</c> or <c>ssl=true</c>: queuectl cannot PING it over plain TCP.</param>
internal sealed record RedisAddress(string Url, string Host, int Port, string? User, string? Password, bool IsTls)
{
    /// <summary>Redis's default port.</summary>
    public const int DefaultPort = 6379;

    /// <summary>The address used when neither <c>--redis-url</c> nor <c>REDIS_URL</c> is set.</summary>
    public static RedisAddress Default { get; } = Loopback(DefaultPort);

    /// <summary>True when the host is this machine (so queuectl may start a server on its port).</summary>
    public bool IsLoopback => Host is "localhost" or "127.0.0.1" or "::1" or "[::1]";

    /// <summary><c>redis://127.0.0.1:port</c>.</summary>
    public static RedisAddress Loopback(int port) =>
        new($"redis://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "127.0.0.1", port, null, null, false);

    /// <summary>Reads <paramref name="text"/>; null with <paramref name="error"/> when it cannot be read.</summary>
    public static RedisAddress? TryParse(string text, out string? error)
    {
        error = null;
        var trimmed = text.Trim();
        if (trimmed.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            {
                error = "expected redis://[[user]:password@]host[:port][/db]";
                return null;
            }
            string? user = null, password = null;
            if (uri.UserInfo.Length > 0)
            {
                var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
                user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
                password = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
            return new RedisAddress(trimmed, uri.Host, uri.Port > 0 ? uri.Port : DefaultPort, NullIfEmpty(user), NullIfEmpty(password),
                uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase));
        }

        // StackExchange.Redis syntax: the first endpoint, then key=value options.
        var parts = trimmed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var endpoint = parts.FirstOrDefault(p => !p.Contains('=', StringComparison.Ordinal));
        if (endpoint is null)
        {
            error = "expected host:port or redis://host:port";
            return null;
        }
        var options = parts.Where(p => p.Contains('=', StringComparison.Ordinal))
            .Select(p => p.Split('=', 2))
            .GroupBy(kv => kv[0].Trim(), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Last()[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var (host, port) = (endpoint, DefaultPort);
        var lastColon = endpoint.LastIndexOf(':');
        if (lastColon > 0 && !endpoint.EndsWith(']'))
        {
            if (!int.TryParse(endpoint[(lastColon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                error = $"'{endpoint[(lastColon + 1)..]}' is not a port";
                return null;
            }
            host = endpoint[..lastColon];
        }
        return new RedisAddress(trimmed, host, port, NullIfEmpty(options.GetValueOrDefault("user")), NullIfEmpty(options.GetValueOrDefault("password")),
            string.Equals(options.GetValueOrDefault("ssl"), "true", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The address without its password, for messages: rebuilt from its parts, since the password may appear
    /// escaped in the text (<c>%40</c> for <c>@</c>) and a text replacement would miss it.
    /// </summary>
    public string Redacted => Password is null
        ? Url
        : $"{(IsTls ? "rediss" : "redis")}://{(User is null ? "" : Uri.EscapeDataString(User))}:***@{(Host.Contains(':', StringComparison.Ordinal) && !Host.StartsWith('[') ? $"[{Host}]" : Host)}:{Port}";

    /// <inheritdoc/>
    public override string ToString() => Redacted;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
