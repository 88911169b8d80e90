namespace QueueClient;

/// <summary>The typed HTTP client lands with the client issue.</summary>
internal static class QueueClientPlaceholder;
