using System.Buffers;
using System.IO.Hashing;
using MessagePack;

namespace QueueService.Snapshots;

/// <summary>
/// Where MessagePack writes a snapshot body: bytes go to the stream in chunks of about 1 MiB as they
/// come, hashed and counted on the way, so the compressed body is never held whole in memory.
/// </summary>
internal sealed class SnapshotBodyWriter : IBufferWriter<byte>, IDisposable
{
    private const int ChunkBytes = 1 << 20;
    private const sbyte Lz4BlockArrayCode = 98;

    private readonly Stream _destination;
    private readonly XxHash3 _hash = new();
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
    private int _buffered;
    private bool _partPending = true;

    public SnapshotBodyWriter(Stream destination) => _destination = destination;

    /// <summary>Body bytes written so far, flushed or not.</summary>
    public long Length { get; private set; }

    /// <summary>
    /// The size, once decompressed, of the part written last (or of the whole body when no part was
    /// marked), read from the LZ4 block-array header at its start (the sum of the blocks' lengths); the
    /// part's own length when it is too small to be compressed; null when the header did not fit in the
    /// first chunk (only for parts far beyond any readable size). Known once the part is flushed
    /// (<see cref="EndPart"/>, <see cref="Complete"/>).
    /// </summary>
    public long? UncompressedLength { get; private set; }

    /// <summary>Marks the start of a part (one top-level MessagePack value): what is buffered is written first.</summary>
    public void BeginPart()
    {
        FlushBuffered();
        _partPending = true;
        UncompressedLength = null;
    }

    /// <summary>Marks the end of a part: it is written, and <see cref="UncompressedLength"/> is known.</summary>
    public void EndPart() => FlushBuffered();

    public void Advance(int count)
    {
        if (count < 0 || _buffered + count > _buffer.Length)
            throw new ArgumentOutOfRangeException(nameof(count), count, "Advanced past the span handed out.");
        _buffered += count;
        Length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        var offset = Reserve(sizeHint); // first: it may replace _buffer
        return _buffer.AsMemory(offset);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        var offset = Reserve(sizeHint);
        return _buffer.AsSpan(offset);
    }

    /// <summary>Writes what is buffered and returns the XxHash3 (64-bit) of every body byte.</summary>
    public ulong Complete()
    {
        FlushBuffered();
        return _hash.GetCurrentHashAsUInt64();
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private int Reserve(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _buffered >= needed) return _buffered;
        FlushBuffered();
        if (_buffer.Length < needed)
        {
            // One block bigger than a chunk (MessagePack compresses whole scratch segments): grow once.
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(needed);
        }
        return 0;
    }

    private void FlushBuffered()
    {
        if (_buffered == 0) return;
        if (_partPending)
        {
            _partPending = false;
            UncompressedLength = ReadUncompressedLength(_buffer.AsMemory(0, _buffered));
        }
        var bytes = _buffer.AsSpan(0, _buffered);
        _hash.Append(bytes);
        _destination.Write(bytes);
        _buffered = 0;
    }

    // MessagePack's Lz4BlockArray: [ext 98 (uncompressed length of each block…), bin block, bin block, …].
    private static long? ReadUncompressedLength(ReadOnlyMemory<byte> start)
    {
        var reader = new MessagePackReader(start);
        try
        {
            if (reader.NextMessagePackType != MessagePackType.Array) return start.Length; // not compressed
            var elements = reader.ReadArrayHeader();
            if (elements < 1 || reader.NextMessagePackType != MessagePackType.Extension) return start.Length;
            if (reader.ReadExtensionFormatHeader().TypeCode != Lz4BlockArrayCode) return start.Length;
            long total = 0;
            for (var i = 1; i < elements; i++) total += reader.ReadInt32();
            return total;
        }
        catch (EndOfStreamException)
        {
            return null;
        }
    }
}
