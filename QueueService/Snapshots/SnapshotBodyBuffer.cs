using System.Buffers;
using System.IO.Hashing;

namespace QueueService.Snapshots;

/// <summary>
/// A snapshot body read into pooled 1 MiB chunks while it is hashed, handed to MessagePack as one
/// <see cref="ReadOnlySequence{T}"/>: no contiguous array the size of the body, however large.
/// </summary>
internal sealed class SnapshotBodyBuffer : IDisposable
{
    private const int ChunkBytes = 1 << 20;

    private readonly List<byte[]> _chunks = [];
    private int _lastChunkBytes;

    private SnapshotBodyBuffer()
    {
    }

    /// <summary>Bytes read: the announced length, or fewer when the stream ended first.</summary>
    public long Length { get; private set; }

    /// <summary>XxHash3 (64-bit) of the bytes read.</summary>
    public ulong Checksum { get; private set; }

    /// <summary>
    /// Reads up to <paramref name="announcedBytes"/> from <paramref name="source"/>. The count comes from
    /// the header, so it is never trusted for an allocation: chunks are added as bytes actually arrive.
    /// </summary>
    public static SnapshotBodyBuffer Read(Stream source, ulong announcedBytes, CancellationToken cancellationToken)
    {
        var body = new SnapshotBodyBuffer();
        try
        {
            var hash = new XxHash3();
            while ((ulong)body.Length < announcedBytes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
                body._chunks.Add(chunk);
                var wanted = (int)Math.Min((ulong)ChunkBytes, announcedBytes - (ulong)body.Length);
                var read = source.ReadAtLeast(chunk.AsSpan(0, wanted), wanted, throwOnEndOfStream: false);
                hash.Append(chunk.AsSpan(0, read));
                body.Length += read;
                body._lastChunkBytes = read;
                if (read < wanted) break;
            }
            body.Checksum = hash.GetCurrentHashAsUInt64();
            return body;
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    /// <summary>The bytes read, valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySequence<byte> AsSequence()
    {
        if (Length == 0) return ReadOnlySequence<byte>.Empty;
        var first = new Segment(_chunks[0].AsMemory(0, _chunks.Count == 1 ? _lastChunkBytes : ChunkBytes), 0);
        var last = first;
        for (var i = 1; i < _chunks.Count; i++)
            last = last.Append(_chunks[i].AsMemory(0, i == _chunks.Count - 1 ? _lastChunkBytes : ChunkBytes));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    public void Dispose()
    {
        foreach (var chunk in _chunks) ArrayPool<byte>.Shared.Return(chunk);
        _chunks.Clear();
        Length = 0;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
