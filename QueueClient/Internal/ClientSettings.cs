namespace QueueClient.Internal;

/// <summary>Reads an environment variable; the process's by default, a test's own in tests.</summary>
internal delegate string? EnvironmentReader(string name);

/// <summary>
/// Where the client sends and what it sends with, resolved once from <see cref="QueueClientOptions"/> and
/// the environment: the one place the client reads <c>QUEUE_SERVICE_URL</c> and <c>QUEUE_ADMIN_API_KEY</c>.
/// </summary>
internal sealed class ClientSettings
{
    /// <summary>The header that carries the admin key.</summary>
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>The process's environment.</summary>
    public static readonly EnvironmentReader ProcessEnvironment = Environment.GetEnvironmentVariable;

    private ClientSettings(Uri baseAddress, string? apiKey)
    {
        BaseAddress = baseAddress;
        ApiKey = apiKey;
    }

    /// <summary>The API's root, absolute, always ending in <c>/</c> so that relative paths keep a path prefix (<c>http://host/queue/</c>).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The admin key, or null when neither the options nor the environment give one.</summary>
    public string? ApiKey { get; }

    /// <summary>Resolves the settings: the options first, then the environment, then <see cref="QueueClientOptions.DefaultBaseAddress"/>.</summary>
    /// <exception cref="ArgumentException">The base address (from the options or <c>QUEUE_SERVICE_URL</c>) is not an absolute http(s) URL.</exception>
    public static ClientSettings Resolve(QueueClientOptions options, EnvironmentReader environment) =>
        new(Normalize(options.BaseAddress ?? FromEnvironment(environment) ?? QueueClientOptions.DefaultBaseAddress),
            ApiKeyOf(options, environment));

    /// <summary>The base address the environment gives, or null when <c>QUEUE_SERVICE_URL</c> is unset or blank.</summary>
    /// <exception cref="ArgumentException">It is set but not an absolute http(s) URL.</exception>
    public static Uri? FromEnvironment(EnvironmentReader environment)
    {
        var text = environment(QueueClientOptions.ServiceUrlVariable);
        if (string.IsNullOrWhiteSpace(text)) return null;
        return Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) && IsHttp(uri)
            ? uri
            : throw new ArgumentException($"{QueueClientOptions.ServiceUrlVariable} must be an absolute http or https URL, such as http://localhost:8002/; got '{text}'.");
    }

    /// <summary>The admin key of the options, else of <c>QUEUE_ADMIN_API_KEY</c>; null when neither is set.</summary>
    public static string? ApiKeyOf(QueueClientOptions options, EnvironmentReader environment)
    {
        if (!string.IsNullOrEmpty(options.ApiKey)) return options.ApiKey;
        var key = environment(QueueClientOptions.ApiKeyVariable);
        return string.IsNullOrEmpty(key) ? null : key;
    }

    /// <summary>The absolute address of <paramref name="path"/> (no leading slash) under the base address.</summary>
    public Uri Http(string path) => new(BaseAddress, path);

    /// <summary>The <c>ws://</c> (for http) or <c>wss://</c> (for https) address of <paramref name="path"/> under the base address.</summary>
    public Uri WebSocket(string path)
    {
        var http = Http(path);
        var builder = new UriBuilder(http) { Scheme = http.Scheme == Uri.UriSchemeHttps ? "wss" : "ws" };
        // UriBuilder keeps the explicit port (80/443), which is also the ws/wss default: nothing changes on the wire.
        return builder.Uri;
    }

    /// <summary>
    /// A <c>Location</c> as an absolute URL. A relative one is taken as relative to the API's root, as the API
    /// writes it (<c>/tasks/{id}</c>), so that it keeps the base address's path prefix behind a proxy.
    /// </summary>
    public Uri? Absolute(Uri? location)
    {
        if (location is null) return null;
        return location.IsAbsoluteUri ? location : new Uri(BaseAddress, location.OriginalString.TrimStart('/'));
    }

    private static Uri Normalize(Uri address)
    {
        if (!address.IsAbsoluteUri || !IsHttp(address))
            throw new ArgumentException($"The queue service's base address must be an absolute http or https URL, such as http://localhost:8002/; got '{address}'.", nameof(address));
        var builder = new UriBuilder(address) { Query = string.Empty, Fragment = string.Empty };
        if (!builder.Path.EndsWith('/')) builder.Path += "/";
        return builder.Uri;
    }

    private static bool IsHttp(Uri uri) => uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps;
}
