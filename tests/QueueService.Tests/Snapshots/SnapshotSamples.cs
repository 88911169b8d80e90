using System.Buffers.Binary;
using System.IO.Hashing;
using MessagePack;
using MessagePack.Resolvers;
using QueueService.Snapshots;

namespace QueueService.Tests.Snapshots;

/// <summary>Snapshots to write, and the bytes of files made from them.</summary>
internal static class SnapshotSamples
{
    /// <summary>Every field of every contract set to a non-default value: unicode, a 1 MiB payload, extreme numbers.</summary>
    public static StoreSnapshot EveryField() => new()
    {
        Epoch = "0192f1c3-7e2a-7c4e-9a0b-3f5d2e1c0a99",
        TakenAtMs = 1_795_000_000_123,
        Store = "redis",
        Sequence = long.MaxValue - 1,
        Tasks =
        [
            new SnapshotTask
            {
                Id = "t-1", Type = "transcription",
                PayloadJson = "{\"text\":\"" + new string('é', 1 << 19) + "\",\"emoji\":\"🎙️ 日本語 Ελληνικά \\u0000\"}",
                Priority = 100, Status = "processing", Attempts = 2, MaxRetries = 5, Seq = (1L << 46) + 7,
                CreatedAtMs = 1_795_000_000_000, UpdatedAtMs = 1_795_000_000_100, StartedAtMs = 1_795_000_000_050,
                CompletedAtMs = 1_795_000_000_099, ScheduledForMs = 1_795_000_000_010, WorkerId = "worker-ä-1",
                LeaseToken = long.MinValue, LeaseExpiresAtMs = 1_795_000_030_000, CancelRequested = true,
                ProgressPercent = 42, ProgressMessage = "half way — ½", ProgressDetailsJson = "{\"chunk\":3}",
                ResultJson = "{\"ok\":true}", LastError = "timeout\nsecond line", CreatedSeq = 7,
                Errors =
                [
                    new SnapshotTaskError { Attempt = 1, Message = "boom 💥", AtMs = 1_795_000_000_020, Kind = "error" },
                    new SnapshotTaskError { Attempt = 2, Message = "", AtMs = -1, Kind = "lease-expired" },
                ],
            },
            // A queued task: every nullable field null, every list empty.
            new SnapshotTask { Id = "t-2", Type = "risk-detection", PayloadJson = "{}", Status = "queued", Seq = 8, CreatedSeq = 8 },
        ],
        Queues =
        [
            new SnapshotQueueStats { Type = "transcription", Completed = 10, Failed = 2, AverageProcessingMs = 1234.5, Enqueued = 15 },
            new SnapshotQueueStats { Type = "risk-detection", Completed = 0, Failed = 0, AverageProcessingMs = null },
        ],
    };

    /// <summary>A small snapshot told apart from others by its <see cref="StoreSnapshot.Sequence"/>.</summary>
    public static StoreSnapshot Small(long sequence) => new()
    {
        Epoch = "epoch-1", TakenAtMs = 1_795_000_000_000 + sequence, Store = "memory", Sequence = sequence,
        Tasks = [new SnapshotTask { Id = $"t-{sequence}", Type = "transcription", PayloadJson = "{\"n\":" + sequence + "}", Status = "queued", Seq = sequence }],
    };

    /// <summary><paramref name="count"/> varied tasks, as a busy store would hold.</summary>
    public static StoreSnapshot Many(int count)
    {
        var random = new Random(count);
        string[] statuses = ["queued", "scheduled", "processing", "completed", "failed", "cancelled"];
        var snapshot = new StoreSnapshot { Epoch = "epoch-many", TakenAtMs = 1_795_000_000_000, Store = "redis", Sequence = count };
        for (var i = 0; i < count; i++)
        {
            var status = statuses[i % statuses.Length];
            var task = new SnapshotTask
            {
                Id = $"0192f1c3-{i:x8}", Type = i % 3 == 0 ? "risk-detection" : "transcription",
                PayloadJson = $"{{\"audio\":\"/spool/{random.NextInt64():x}/in.wav\",\"caller\":{random.Next()}}}",
                Priority = random.Next(101), Status = status, Attempts = i % 4, MaxRetries = 3, Seq = i, CreatedSeq = i,
                CreatedAtMs = 1_795_000_000_000 + i, UpdatedAtMs = 1_795_000_000_500 + i,
                StartedAtMs = status == "queued" ? null : 1_795_000_000_100 + i,
                WorkerId = status == "processing" ? $"worker-{i % 7}" : null,
                LeaseToken = status == "processing" ? random.NextInt64() : null,
                ResultJson = status == "completed" ? $"{{\"text\":\"words {random.Next()}\"}}" : null,
            };
            if (status == "failed")
                task.Errors.Add(new SnapshotTaskError { Attempt = 1, Message = $"error {random.Next()}", AtMs = 1_795_000_000_200 + i, Kind = "error" });
            snapshot.Tasks.Add(task);
        }
        snapshot.Queues.Add(new SnapshotQueueStats { Type = "transcription", Completed = count, Failed = 1, AverageProcessingMs = 900.25 });
        return snapshot;
    }

    /// <summary>A whole snapshot file, as <see cref="SnapshotFile.Write"/> makes it.</summary>
    public static byte[] FileBytes(StoreSnapshot snapshot)
    {
        using var stream = new MemoryStream();
        SnapshotFile.Write(stream, snapshot);
        return stream.ToArray();
    }

    /// <summary>
    /// The snapshot as plain MessagePack: two snapshots with equal bytes are equal in every keyed field.
    /// A fast equality for 100,000 tasks, where a structural comparison would take minutes.
    /// </summary>
    public static byte[] Canonical(StoreSnapshot snapshot) =>
        MessagePackSerializer.Serialize(snapshot, MessagePackSerializerOptions.Standard.WithResolver(StandardResolver.Instance));

    public static SnapshotReadResult Read(byte[] file) => SnapshotFile.Read(new MemoryStream(file, writable: false));

    /// <summary>A file with a correct version-<paramref name="version"/> header (the documented layout) over any body.</summary>
    public static byte[] FileWithBody(byte[] body, ushort version = 1)
    {
        var file = new byte[32 + body.Length];
        "RQSNAP\r\n\u001a\n"u8.CopyTo(file);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(10), version);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(12), (ulong)body.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(20), XxHash3.HashToUInt64(body));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(28), Crc32.HashToUInt32(file.AsSpan(0, 28)));
        body.CopyTo(file, 32);
        return file;
    }

    public static byte[] FlipBit(byte[] file, int bit)
    {
        var copy = file.ToArray();
        copy[bit / 8] ^= (byte)(1 << (bit % 8));
        return copy;
    }
}
