using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using QueueService.Snapshots;
using QueueService.Tests.Support;

namespace QueueService.Tests.Snapshots;

/// <summary>A <see cref="SnapshotDirectory"/> over a fresh temp folder, on a fake clock, logging to a list.</summary>
internal sealed class SnapshotDirectoryFixture : IDisposable
{
    /// <summary>The clock starts at 2026-11-23T10:45:01.123Z: file names are known in advance.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 45, 1, 123, TimeSpan.Zero);

    public SnapshotDirectoryFixture(int keep = SnapshotDirectory.DefaultKeep,
        Func<Stream, Stream>? wrapWrite = null, Func<Stream, Stream>? wrapRead = null)
    {
        Directory = new SnapshotDirectory(Folder.Path, Logger, Time, keep, wrapWrite, wrapRead);
    }

    public TempFolder Folder { get; } = new();
    public FakeTimeProvider Time { get; } = new(Start);
    public ListLogger<SnapshotDirectory> Logger { get; } = new();
    public SnapshotDirectory Directory { get; }

    /// <summary>Names in the folder itself (not quarantine), sorted.</summary>
    public string[] FileNames() => System.IO.Directory.GetFiles(Folder.Path).Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Names in quarantine/, sorted; empty when it does not exist.</summary>
    public string[] QuarantinedNames() => System.IO.Directory.Exists(Directory.QuarantinePath)
        ? System.IO.Directory.GetFiles(Directory.QuarantinePath).Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal).ToArray()
        : [];

    /// <summary>Writes <paramref name="bytes"/> under the snapshot name for <paramref name="at"/>, as another writer would.</summary>
    public string Place(DateTimeOffset at, byte[] bytes)
    {
        var name = $"snapshot-{at.UtcDateTime:yyyyMMdd'T'HHmmssfff'Z'}.rqsnap";
        File.WriteAllBytes(Folder[name], bytes);
        return name;
    }

    public IEnumerable<(LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Properties)> Logged(LogLevel level) =>
        Logger.Entries.Where(entry => entry.Level == level);

    public void Dispose() => Folder.Dispose();
}
