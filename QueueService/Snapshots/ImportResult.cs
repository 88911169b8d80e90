namespace QueueService.Snapshots;

/// <summary>What an import did.</summary>
/// <param name="Imported">Tasks created from the snapshot.</param>
/// <param name="Skipped">Tasks left alone because the store already held their id.</param>
/// <param name="Requeued">Of the imported, those that were processing in the snapshot and came back queued.</param>
/// <param name="Held">Of the imported, those that were processing and came back processing under their lease (<see cref="ImportOptions.HoldLeasesFor"/>).</param>
public sealed record ImportResult(int Imported, int Skipped, int Requeued, int Held = 0);
