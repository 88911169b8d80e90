using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using QueueClient.Internal;

namespace QueueClient;

/// <summary>Registers <see cref="IQueueApiClient"/> with <c>IHttpClientFactory</c>.</summary>
public static class QueueClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IQueueApiClient"/> as a typed HTTP client with the standard resilience pipeline (retries of
    /// reads on transient failures, timeouts); <paramref name="configure"/> sets <see cref="QueueClientOptions"/>
    /// (<c>QUEUE_SERVICE_URL</c> / <c>QUEUE_ADMIN_API_KEY</c> fill what it leaves unset). Returns the builder for further handlers.
    /// </summary>
    /// <remarks>
    /// Only GET is retried (up to 3 times, exponential backoff with jitter, honouring <c>Retry-After</c>): a retried
    /// submission could enqueue twice. Reads time out after 10 s per attempt and 30 s in all; every other request
    /// (uploads of up to 100 MiB) after 10 minutes. The pipeline's options are named <c>IQueueApiClient-standard</c>
    /// (<c>services.Configure&lt;HttpStandardResilienceOptions&gt;("IQueueApiClient-standard", …)</c> to change them).
    /// </remarks>
    public static IHttpClientBuilder AddQueueClient(this IServiceCollection services, Action<QueueClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(new ClientEnvironment(ClientSettings.ProcessEnvironment));
        var options = services.AddOptions<QueueClientOptions>();
        if (configure is not null) options.Configure(configure);
        options.PostConfigure<ClientEnvironment>((o, environment) =>
        {
            o.BaseAddress ??= ClientSettings.FromEnvironment(environment.Read);
            o.ApiKey = ClientSettings.ApiKeyOf(o, environment.Read);
        });

        var builder = services.AddHttpClient<IQueueApiClient, QueueApiClient>((http, provider) =>
            new QueueApiClient(http, provider.GetRequiredService<IOptions<QueueClientOptions>>().Value,
                provider.GetRequiredService<ClientEnvironment>().Read, TimeProvider.System, ownsHttp: false));
        // The pipeline times each request (reads and uploads differently); HttpClient's one 100 s limit would cut uploads short.
        builder.ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan);
        builder.AddStandardResilienceHandler(QueueClientResilience.Configure);
        // Inside the pipeline, so each attempt's timeout covers the body too: a server that sends its headers and then
        // stalls is a timed-out (and, for a read, retried) attempt, not a hang after the pipeline has returned.
        builder.AddHttpMessageHandler(() => new ResponseBufferingHandler());
        return builder;
    }
}

/// <summary>The environment <c>AddQueueClient</c> reads (a service, so a test can register its own before calling it).</summary>
internal sealed class ClientEnvironment(EnvironmentReader read)
{
    /// <summary>Reads one variable.</summary>
    public EnvironmentReader Read { get; } = read;
}
