using Microsoft.Extensions.DependencyInjection;

namespace QueueClient;

/// <summary>Registers <see cref="IQueueApiClient"/> with <c>IHttpClientFactory</c>.</summary>
public static class QueueClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IQueueApiClient"/> as a typed HTTP client with the standard resilience pipeline (retries of
    /// reads on transient failures, timeouts); <paramref name="configure"/> sets <see cref="QueueClientOptions"/>
    /// (<c>QUEUE_SERVICE_URL</c> / <c>QUEUE_ADMIN_API_KEY</c> fill what it leaves unset). Returns the builder for further handlers.
    /// </summary>
    public static IHttpClientBuilder AddQueueClient(this IServiceCollection services, Action<QueueClientOptions>? configure = null) =>
        throw new NotImplementedException();
}
