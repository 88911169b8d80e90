namespace QueueClient;

/// <summary>Where the queue service is and how to talk to it.</summary>
public sealed class QueueClientOptions
{
    /// <summary>The environment variable read for <see cref="BaseAddress"/> when it is not set.</summary>
    public const string ServiceUrlVariable = "QUEUE_SERVICE_URL";

    /// <summary>The environment variable read for <see cref="ApiKey"/> when it is not set.</summary>
    public const string ApiKeyVariable = "QUEUE_ADMIN_API_KEY";

    /// <summary>The address used when neither <see cref="BaseAddress"/> nor <c>QUEUE_SERVICE_URL</c> is set.</summary>
    public static readonly Uri DefaultBaseAddress = new("http://localhost:8002/");

    /// <summary>The API's base address; null for <c>QUEUE_SERVICE_URL</c>, else <see cref="DefaultBaseAddress"/>.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The admin key sent as <c>X-Api-Key</c> (needed by the admin methods only); null for <c>QUEUE_ADMIN_API_KEY</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How often <see cref="IQueueApiClient.WaitForCompletionAsync"/> polls when the WebSocket cannot be used.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a WebSocket connect may take before falling back to polling.</summary>
    public TimeSpan WebSocketConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
