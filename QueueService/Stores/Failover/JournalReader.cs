using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using QueueService.Tasks;

namespace QueueService.Stores.Failover;

/// <summary>
/// The journal file's layout. All integers little-endian.
/// <code>
/// offset size  field
///  0     10    magic "RQJRNL\r\n\x1a\n" (52 51 4A 52 4E 4C 0D 0A 1A 0A)
/// 10      2    format version, u16 (1)
/// 12      4    reserved, zero
/// 16      …    records: [u32 body length][u32 CRC-32 (IEEE) of the body][body: a JournalRecord in MessagePack]
/// </code>
/// CRC-32 (IEEE, <see cref="Crc32"/>) rather than CRC-32C: System.IO.Hashing 10.0.3, the version referenced,
/// has no CRC-32C; both catch every burst error up to 32 bits and flipped bits alike.
/// </summary>
internal static class JournalFormat
{
    /// <summary>The format version this build writes and reads.</summary>
    public const ushort Version = 1;

    /// <summary>Length of the file header; the first record starts here.</summary>
    public const int HeaderLength = 16;

    /// <summary>Length of a record's frame before its body.</summary>
    public const int FrameLength = 8;

    /// <summary>The largest body: a task's largest payload and room for its other fields.</summary>
    public const int MaxBodyBytes = TaskLimits.MaxPayloadBytes + 64 * 1024;

    /// <summary>The first ten bytes of every journal; <c>\r\n</c> and <c>\x1a\n</c> catch a text-mode copy.</summary>
    public static ReadOnlySpan<byte> Magic => "RQJRNL\r\n\u001a\n"u8;

    /// <summary>The header this build writes.</summary>
    public static byte[] Header()
    {
        var header = new byte[HeaderLength];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(Magic.Length), Version);
        return header;
    }

    /// <summary>Appends one framed record for <paramref name="body"/> to <paramref name="destination"/>.</summary>
    public static void WriteRecord(IBufferWriter<byte> destination, ReadOnlySpan<byte> body)
    {
        var frame = destination.GetSpan(FrameLength);
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], Crc32.HashToUInt32(body));
        destination.Advance(FrameLength);
        destination.Write(body);
    }
}

/// <summary>What replay found in a journal file.</summary>
internal enum JournalReadOutcome
{
    /// <summary>Every byte was a whole, valid record.</summary>
    Clean,
    /// <summary>The file was empty (0 bytes): a new journal.</summary>
    Empty,
    /// <summary>The last record (or the header) was cut short: a crash mid-write. <see cref="JournalReadResult.GoodLength"/> is where it starts.</summary>
    TornTail,
    /// <summary>A record before the end is damaged: replay stopped at <see cref="JournalReadResult.GoodLength"/>.</summary>
    Corrupt,
    /// <summary>Not a journal (wrong magic) or written by a newer build: nothing in it is replayed.</summary>
    Unreadable,
}

/// <summary>The entries read, where the good part ends, and what stopped the reading.</summary>
internal sealed record JournalReadResult(JournalReadOutcome Outcome, List<JournalEntry> Entries, long GoodLength, long FileLength, string? Problem);

/// <summary>Reads a journal file record by record, never trusting a byte of it.</summary>
internal static class JournalReader
{
    /// <summary>Reads <paramref name="file"/> from its start; never throws for bad content.</summary>
    /// <exception cref="IOException">The file itself could not be read.</exception>
    public static JournalReadResult Read(FileStream file, CancellationToken cancellationToken)
    {
        var length = file.Length;
        var entries = new List<JournalEntry>();
        file.Position = 0;
        if (length == 0) return new JournalReadResult(JournalReadOutcome.Empty, entries, 0, 0, null);

        Span<byte> header = stackalloc byte[JournalFormat.HeaderLength];
        var headerBytes = file.ReadAtLeast(header, JournalFormat.HeaderLength, throwOnEndOfStream: false);
        var expected = JournalFormat.Header();
        var magicBytes = Math.Min(headerBytes, JournalFormat.Magic.Length);
        if (!header[..magicBytes].SequenceEqual(JournalFormat.Magic[..magicBytes]))
            return new JournalReadResult(JournalReadOutcome.Unreadable, entries, 0, length,
                $"not a RedisQueue failover journal: it starts {Convert.ToHexString(header[..magicBytes])}, a journal starts {Convert.ToHexString(JournalFormat.Magic)}");
        if (headerBytes >= JournalFormat.Magic.Length + 2)
        {
            var version = BinaryPrimitives.ReadUInt16LittleEndian(header[JournalFormat.Magic.Length..]);
            if (version != JournalFormat.Version)
                return new JournalReadResult(JournalReadOutcome.Unreadable, entries, 0, length,
                    version > JournalFormat.Version
                        ? $"format version {version}, written by a newer build; this build reads version {JournalFormat.Version}"
                        : $"format version {version}, which no build wrote");
        }
        if (headerBytes < JournalFormat.HeaderLength)
            return header[..headerBytes].SequenceEqual(expected.AsSpan(0, headerBytes))
                ? new JournalReadResult(JournalReadOutcome.TornTail, entries, 0, length, $"the header is cut short at {headerBytes} bytes")
                : new JournalReadResult(JournalReadOutcome.Unreadable, entries, 0, length, "the header is short and does not match this build's");

        var good = (long)JournalFormat.HeaderLength;
        Span<byte> frame = stackalloc byte[JournalFormat.FrameLength];
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (good < length)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var remaining = length - good;
                if (remaining < JournalFormat.FrameLength)
                    return new(JournalReadOutcome.TornTail, entries, good, length, $"{remaining} bytes after the last record, less than a record's frame");
                file.ReadExactly(frame);
                var bodyLength = BinaryPrimitives.ReadUInt32LittleEndian(frame);
                var checksum = BinaryPrimitives.ReadUInt32LittleEndian(frame[4..]);
                if (bodyLength == 0 || bodyLength > JournalFormat.MaxBodyBytes)
                    return new(JournalReadOutcome.Corrupt, entries, good, length, $"the record announces {bodyLength} body bytes; a record holds 1–{JournalFormat.MaxBodyBytes}");
                if (remaining - JournalFormat.FrameLength < bodyLength)
                    return new(JournalReadOutcome.TornTail, entries, good, length,
                        $"the last record announces {bodyLength} body bytes and {remaining - JournalFormat.FrameLength} follow");
                if (buffer.Length < bodyLength)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent((int)bodyLength);
                }
                var body = buffer.AsMemory(0, (int)bodyLength);
                file.ReadExactly(body.Span);
                var actual = Crc32.HashToUInt32(body.Span);
                if (actual != checksum)
                    return new(JournalReadOutcome.Corrupt, entries, good, length, $"checksum mismatch: the {bodyLength}-byte body hashes to 0x{actual:x8}, the record says 0x{checksum:x8}");
                var entry = JournalCodec.TryDecode(body, out var problem);
                if (entry is null) return new(JournalReadOutcome.Corrupt, entries, good, length, problem);
                entries.Add(entry);
                good += JournalFormat.FrameLength + bodyLength;
            }
            return new(JournalReadOutcome.Clean, entries, good, length, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
