using QueueService.Snapshots;

namespace QueueService.Stores;

/// <summary>Conveniences over <see cref="IQueueStore"/>.</summary>
public static class QueueStoreExtensions
{
    /// <summary>
    /// The store's whole state as one snapshot: <see cref="IQueueStore.ExportPagesAsync"/> gathered. A
    /// backup streams the parts into its file instead; this is for callers that need the whole thing.
    /// </summary>
    public static async Task<StoreSnapshot> ExportAsync(this IQueueStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        StoreSnapshot? snapshot = null;
        await foreach (var part in store.ExportPagesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (snapshot is null) snapshot = part;
            else snapshot.Tasks.AddRange(part.Tasks);
        }
        return snapshot ?? throw new InvalidOperationException($"The {store.Kind} store's export yielded no part.");
    }
}
