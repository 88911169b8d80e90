using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using MessagePack;
using MessagePack.Resolvers;

namespace QueueService.Snapshots;

/// <summary>
/// Encodes and decodes one snapshot file (<c>docs/snapshots.md</c> has the layout byte by byte): a
/// 32-byte header, then the body: one or more parts, each a <see cref="StoreSnapshot"/> in MessagePack,
/// LZ4 block-array compressed on its own; the first carries the snapshot's fields and first tasks, the
/// later ones more tasks. All integers little-endian.
/// <code>
/// offset size  field
///  0     10    magic "RQSNAP\r\n\x1a\n" (52 51 53 4E 41 50 0D 0A 1A 0A)
/// 10      2    format version, u16 (2; 1 = a body of one part)
/// 12      8    body length in bytes, u64
/// 20      8    body checksum, u64: XxHash3 (64-bit, seed 0) of the body bytes
/// 28      4    header checksum, u32: CRC-32 (IEEE) of bytes 0–27
/// 32      …    body
/// </code>
/// Bytes 0–11 (magic and version) keep their place in every future version; the rest is the same in versions 1 and 2.
/// </summary>
public static class SnapshotFile
{
    /// <summary>
    /// The format version this build writes and the newest it reads. Version 2's body is a sequence of
    /// parts (see <see cref="WriteAsync"/>); version 1's, which this build still reads, is one part.
    /// </summary>
    public const ushort FormatVersion = 2;

    /// <summary>The oldest format version this build reads.</summary>
    public const ushort OldestReadableVersion = 1;

    /// <summary>Length of the header (versions 1 and 2); the body starts here.</summary>
    public const int HeaderLength = 32;

    private const int VersionOffset = 10;
    private const int BodyLengthOffset = 12;
    private const int BodyChecksumOffset = 20;
    private const int HeaderChecksumOffset = 28;

    /// <summary>
    /// The first ten bytes of every snapshot file. As in PNG, <c>\r\n</c> and <c>\x1a\n</c> make a file
    /// mangled by a text-mode copy (line endings changed, cut at Ctrl-Z) fail here rather than later.
    /// </summary>
    public static ReadOnlySpan<byte> Magic => "RQSNAP\r\n\u001a\n"u8;

    /// <summary>
    /// Resolvers for <c>[MessagePackObject]</c> contracts with integer keys (the standard set: built-in
    /// formatters, attribute-declared ones, generic collections, dynamic contract objects). Never the
    /// typeless or contractless resolvers: a file must not be able to name a .NET type to create.
    /// <see cref="MessagePackSecurity.UntrustedData"/> bounds the object depth and hashes keys
    /// collision-resistantly when reading; it changes nothing when writing.
    /// </summary>
    internal static readonly MessagePackSerializerOptions Options = MessagePackSerializerOptions.Standard
        .WithResolver(StandardResolver.Instance)
        .WithCompression(MessagePackCompression.Lz4BlockArray)
        .WithSecurity(MessagePackSecurity.UntrustedData.WithMaximumDecompressedSize(MaxUncompressedBytes));

    /// <summary>
    /// The largest body, decompressed, that a file may hold: 2 GiB − 1, the most MessagePack's reader can
    /// be allowed. <see cref="MessagePackSecurity.UntrustedData"/> would stop at 64 MiB, about 220,000
    /// tasks; a million tasks of the kind measured in <c>docs/snapshots.md</c> take about 290 MB. The
    /// writer refuses a snapshot above it rather than leave a file no build can read.
    /// </summary>
    public const int MaxUncompressedBytes = int.MaxValue;

    /// <summary>Tasks per part when <see cref="Write"/> splits a whole snapshot into parts.</summary>
    public const int TasksPerPart = SnapshotImport.StepSize;

    /// <summary>
    /// Writes <paramref name="snapshot"/> as one snapshot file at the stream's position, in parts of
    /// <see cref="TasksPerPart"/> tasks (see <see cref="WriteAsync"/>).
    /// </summary>
    /// <param name="destination">A writable, seekable stream; left positioned after the file's last byte.</param>
    /// <param name="snapshot">What to write.</param>
    /// <param name="cancellationToken">Checked between parts.</param>
    /// <returns>Bytes written: <see cref="HeaderLength"/> plus the body.</returns>
    /// <exception cref="ArgumentException">The stream cannot write or cannot seek.</exception>
    /// <exception cref="InvalidOperationException">A part is larger than <see cref="MaxUncompressedBytes"/> decompressed; what was written must be discarded.</exception>
    /// <exception cref="IOException">The stream failed; what was written is partial and must be discarded.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; what was written is partial and must be discarded.</exception>
    public static long Write(Stream destination, StoreSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        using var file = new PartWriter(destination, cancellationToken);
        foreach (var part in PartsOf(snapshot)) file.Add(part);
        return file.Finish().Bytes;
    }

    /// <summary>
    /// Writes a snapshot that arrives in parts (as <see cref="Stores.IQueueStore.ExportPagesAsync"/> reads
    /// it) as one snapshot file at the stream's position: each part is encoded and written as it comes, so
    /// neither the snapshot nor its encoding is ever held whole. The first part carries the snapshot's
    /// fields and its first tasks; the later parts' tasks are appended to it, their other fields ignored.
    /// The header is written last (so the stream must seek): until then the first bytes are zeros, so a
    /// write cut short never looks like a whole file.
    /// </summary>
    /// <param name="destination">A writable, seekable stream; left positioned after the file's last byte.</param>
    /// <param name="parts">The snapshot's parts, at least one.</param>
    /// <param name="cancellationToken">Checked between parts.</param>
    /// <returns>Bytes written (<see cref="HeaderLength"/> plus the body) and tasks written.</returns>
    /// <exception cref="ArgumentException">The stream cannot write or cannot seek; or <paramref name="parts"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">A part is larger than <see cref="MaxUncompressedBytes"/> decompressed; what was written must be discarded.</exception>
    /// <exception cref="IOException">The stream failed; what was written is partial and must be discarded.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; what was written is partial and must be discarded.</exception>
    public static async Task<(long Bytes, int Tasks)> WriteAsync(Stream destination, IAsyncEnumerable<StoreSnapshot> parts,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parts);
        using var file = new PartWriter(destination, cancellationToken);
        await foreach (var part in parts.WithCancellation(cancellationToken).ConfigureAwait(false)) file.Add(part);
        return file.Finish();
    }

    /// <summary>A whole snapshot as the parts a file holds: its fields with the first tasks, then the rest in pages.</summary>
    internal static IEnumerable<StoreSnapshot> PartsOf(StoreSnapshot snapshot)
    {
        var first = snapshot.ShallowCopy();
        first.Tasks = snapshot.Tasks.GetRange(0, Math.Min(TasksPerPart, snapshot.Tasks.Count));
        yield return first;
        for (var start = TasksPerPart; start < snapshot.Tasks.Count; start += TasksPerPart)
            yield return new StoreSnapshot { Tasks = snapshot.Tasks.GetRange(start, Math.Min(TasksPerPart, snapshot.Tasks.Count - start)) };
    }

    // One file being written: the placeholder header, then each part through one SnapshotBodyWriter, then the header.
    private sealed class PartWriter : IDisposable
    {
        private readonly Stream _destination;
        private readonly CancellationToken _cancellationToken;
        private readonly long _start;
        private readonly SnapshotBodyWriter _body;
        private int _parts;
        private int _tasks;

        public PartWriter(Stream destination, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(destination);
            if (!destination.CanWrite || !destination.CanSeek)
                throw new ArgumentException("A snapshot is written to a writable, seekable stream: its header is written last.", nameof(destination));
            cancellationToken.ThrowIfCancellationRequested();
            _destination = destination;
            _cancellationToken = cancellationToken;
            _start = destination.Position;
            destination.Write(new byte[HeaderLength]);
            _body = new SnapshotBodyWriter(destination);
        }

        public void Add(StoreSnapshot part)
        {
            ArgumentNullException.ThrowIfNull(part);
            _cancellationToken.ThrowIfCancellationRequested();
            _body.BeginPart();
            MessagePackSerializer.Serialize(_body, part, Options, _cancellationToken);
            _body.EndPart();
            if (_body.UncompressedLength is not (>= 0 and <= MaxUncompressedBytes))
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"Part {_parts + 1} of the snapshot ({part.Tasks.Count} tasks) takes {(_body.UncompressedLength is { } bytes ? $"{bytes} bytes" : "far more than 2 GiB")} "
                    + $"decompressed; a part holds at most {MaxUncompressedBytes} (SnapshotFile.MaxUncompressedBytes). Discard what was written."));
            _parts++;
            _tasks += part.Tasks.Count;
        }

        public (long Bytes, int Tasks) Finish()
        {
            if (_parts == 0) throw new ArgumentException("A snapshot has at least one part: its first carries the epoch, sequence and counters.", "parts");
            var bodyChecksum = _body.Complete();
            Span<byte> header = stackalloc byte[HeaderLength];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteUInt16LittleEndian(header[VersionOffset..], FormatVersion);
            BinaryPrimitives.WriteUInt64LittleEndian(header[BodyLengthOffset..], (ulong)_body.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(header[BodyChecksumOffset..], bodyChecksum);
            BinaryPrimitives.WriteUInt32LittleEndian(header[HeaderChecksumOffset..], Crc32.HashToUInt32(header[..HeaderChecksumOffset]));
            var end = _destination.Position;
            _destination.Position = _start;
            _destination.Write(header);
            _destination.Position = end;
            return (end - _start, _tasks);
        }

        public void Dispose() => _body.Dispose();
    }

    /// <summary>
    /// Reads one snapshot file from the stream's position to its end. Every check runs before anything
    /// is decoded: the header, the length, the body checksum; then MessagePack reads the verified body
    /// with <see cref="MessagePackSecurity.UntrustedData"/>. The body is held in pooled chunks, never in
    /// one array; decoding needs about the uncompressed body more, plus the snapshot itself.
    /// </summary>
    /// <param name="source">The file's bytes, read to the end (a file longer than its header says is refused).</param>
    /// <param name="cancellationToken">Checked while the body is read.</param>
    /// <returns>The snapshot, or the first problem found (<see cref="SnapshotFileErrorKind"/>); never throws for bad content.</returns>
    /// <exception cref="IOException">The stream itself failed (not a problem of the content).</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static SnapshotReadResult Read(Stream source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        Span<byte> header = stackalloc byte[HeaderLength];
        var headerBytes = source.ReadAtLeast(header, HeaderLength, throwOnEndOfStream: false);
        var refused = CheckHeader(header[..headerBytes]);
        if (refused is not null) return refused;

        var announced = BinaryPrimitives.ReadUInt64LittleEndian(header[BodyLengthOffset..]);
        var expectedChecksum = BinaryPrimitives.ReadUInt64LittleEndian(header[BodyChecksumOffset..]);
        if (source.CanSeek)
        {
            // Known up front from a file: refuse before reading a byte of the body.
            var present = (ulong)Math.Max(0, source.Length - source.Position);
            if (present != announced) return WrongLength(announced, present);
        }

        using var body = SnapshotBodyBuffer.Read(source, announced, cancellationToken);
        if ((ulong)body.Length < announced) return WrongLength(announced, (ulong)body.Length);
        if (source.ReadByte() != -1)
            return SnapshotReadResult.Invalid(SnapshotFileErrorKind.TrailingData,
                $"the header announces {announced} body bytes, and more bytes follow them");
        if (body.Checksum != expectedChecksum)
            return SnapshotReadResult.Invalid(SnapshotFileErrorKind.ChecksumMismatch,
                $"the {announced}-byte body hashes to 0x{body.Checksum:x16}, the header says 0x{expectedChecksum:x16}");
        return Decode(body, BinaryPrimitives.ReadUInt16LittleEndian(header[VersionOffset..]), cancellationToken);
    }

    private static SnapshotReadResult? CheckHeader(ReadOnlySpan<byte> header)
    {
        if (header.IsEmpty)
            return SnapshotReadResult.Invalid(SnapshotFileErrorKind.Empty, "the file is empty (0 bytes)");
        var magicBytes = Math.Min(header.Length, Magic.Length);
        if (!header[..magicBytes].SequenceEqual(Magic[..magicBytes]))
            return SnapshotReadResult.Invalid(SnapshotFileErrorKind.Foreign,
                $"not a RedisQueue snapshot: it starts {Hex(header[..magicBytes])}, a snapshot starts {Hex(Magic)}");
        if (header.Length < BodyLengthOffset)
            return TruncatedHeader(header.Length);

        var version = BinaryPrimitives.ReadUInt16LittleEndian(header[VersionOffset..]);
        if (version is < OldestReadableVersion or > FormatVersion)
        {
            // A bit flipped in the version field of a readable file must not pass for another format:
            // if the header checksum holds once the version reads a known one again, that is what happened.
            if (header.Length == HeaderLength)
                for (var known = OldestReadableVersion; known <= FormatVersion; known++)
                    if (HeaderChecksumHoldsFor(header, known))
                        return SnapshotReadResult.Invalid(SnapshotFileErrorKind.CorruptHeader,
                            $"the format version field reads {version} in an otherwise intact version-{known} header: it is damaged");
            return version > FormatVersion
                ? SnapshotReadResult.Invalid(SnapshotFileErrorKind.FutureVersion,
                    $"format version {version}, written by a newer build; this build reads versions {OldestReadableVersion}–{FormatVersion}")
                : SnapshotReadResult.Invalid(SnapshotFileErrorKind.CorruptHeader, $"format version {version} does not exist (the first is 1)");
        }
        if (header.Length < HeaderLength)
            return TruncatedHeader(header.Length);
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(header[HeaderChecksumOffset..]);
        var computed = Crc32.HashToUInt32(header[..HeaderChecksumOffset]);
        return stored == computed
            ? null
            : SnapshotReadResult.Invalid(SnapshotFileErrorKind.CorruptHeader,
                $"the header checksum is 0x{stored:x8} but bytes 0–27 hash to 0x{computed:x8}: a length or checksum field is damaged");
    }

    private static bool HeaderChecksumHoldsFor(ReadOnlySpan<byte> header, ushort version)
    {
        Span<byte> repaired = stackalloc byte[HeaderChecksumOffset];
        header[..HeaderChecksumOffset].CopyTo(repaired);
        BinaryPrimitives.WriteUInt16LittleEndian(repaired[VersionOffset..], version);
        return Crc32.HashToUInt32(repaired) == BinaryPrimitives.ReadUInt32LittleEndian(header[HeaderChecksumOffset..]);
    }

    private static SnapshotReadResult Decode(SnapshotBodyBuffer body, ushort version, CancellationToken cancellationToken)
    {
        var reader = new MessagePackReader(body.AsSequence()) { CancellationToken = cancellationToken };
        StoreSnapshot? snapshot = null;
        var part = 0;
        try
        {
            // Version 1 holds one part; version 2 any number, the later ones adding tasks.
            do
            {
                part++;
                var next = MessagePackSerializer.Deserialize<StoreSnapshot>(ref reader, Options);
                if (next is null)
                    return SnapshotReadResult.Invalid(SnapshotFileErrorKind.UndecodableBody, $"part {part} of the body is MessagePack nil, not a snapshot");
                if (snapshot is null) snapshot = next;
                else snapshot.Tasks.AddRange(next.Tasks);
            }
            while (version >= 2 && !reader.End);
        }
        catch (MessagePackSerializationException ex)
        {
            return SnapshotReadResult.Invalid(SnapshotFileErrorKind.UndecodableBody,
                $"the body passed its checksum but part {part} does not decode: {Describe(ex)}");
        }
        if (!reader.End)
            return SnapshotReadResult.Invalid(SnapshotFileErrorKind.UndecodableBody,
                $"{reader.Sequence.Length - reader.Consumed} bytes follow the snapshot inside the body");
        return SnapshotReadResult.Valid(snapshot);
    }

    private static SnapshotReadResult TruncatedHeader(int bytes) =>
        SnapshotReadResult.Invalid(SnapshotFileErrorKind.TruncatedHeader,
            $"the file ends after {bytes} bytes, inside the {HeaderLength}-byte header");

    private static SnapshotReadResult WrongLength(ulong announced, ulong present) => present < announced
        ? SnapshotReadResult.Invalid(SnapshotFileErrorKind.TruncatedBody,
            $"the header announces {announced} body bytes, the file holds {present}")
        : SnapshotReadResult.Invalid(SnapshotFileErrorKind.TrailingData,
            $"the header announces {announced} body bytes, the file holds {present} ({present - announced} too many)");

    private static string Describe(Exception ex)
    {
        var messages = new List<string>();
        for (Exception? e = ex; e is not null; e = e.InnerException) messages.Add(e.Message);
        return string.Join(" → ", messages);
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => string.Join(' ', bytes.ToArray().Select(b => b.ToString("X2")));
}
