using QueueClient;

namespace QueueCtl.Cli;

/// <summary>
/// Where queuectl's commands send their requests, and the one place their <see cref="IQueueApiClient"/> is made
/// (so a test points every command at its own API with <c>--url</c>).
/// </summary>
/// <param name="BaseAddress">The API's base address (absolute http or https, ending in <c>/</c>).</param>
/// <param name="ApiKey">The admin key sent as <c>X-Api-Key</c>; null for none.</param>
public sealed record ServiceConnection(Uri BaseAddress, string? ApiKey)
{
    /// <summary>A client of the API at <see cref="BaseAddress"/>.</summary>
    public IQueueApiClient CreateClient() =>
        QueueApiClient.Create(new QueueClientOptions { BaseAddress = BaseAddress, ApiKey = ApiKey });

    /// <summary>
    /// Reads <paramref name="text"/> as the API's base address: an absolute <c>http</c> or <c>https</c> URL with a host.
    /// Returns false with <paramref name="error"/> saying what is wrong otherwise.
    /// </summary>
    public static bool TryParseBaseAddress(string? text, out Uri baseAddress, out string error)
    {
        baseAddress = QueueClientOptions.DefaultBaseAddress;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "it is empty";
            return false;
        }
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error = $"'{text}' is not an absolute http:// or https:// URL";
            return false;
        }
        if (string.IsNullOrEmpty(uri.Host) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            error = $"'{text}' must be a base address: a host, an optional path, no query or fragment";
            return false;
        }
        // Relative request paths resolve under the base only when it ends in '/' (http://host/queue/ + tasks).
        baseAddress = uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.GetLeftPart(UriPartial.Path) + "/");
        error = "";
        return true;
    }
}
