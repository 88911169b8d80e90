using QueueHttpApi.Tests.Support;

namespace QueueHttpApi.Tests.Events;

/// <summary>The WebSocket feeds in the embedded mode: the in-memory store's in-process broadcast.</summary>
public sealed class EmbeddedTaskEventSocketTests : TaskEventSocketTests
{
    /// <inheritdoc/>
    protected override ApiFactory CreateApi(IReadOnlyDictionary<string, string?> settings) =>
        ApiFactory.Embedded(embeddedWorkers: 0, settings: settings);
}
