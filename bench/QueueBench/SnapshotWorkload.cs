using QueueService.Stores;
using QueueService.Tasks;

namespace QueueBench;

/// <summary>
/// The store the snapshot bench backs up: 90% of the tasks queued on two queues with mixed priorities,
/// 10% completed with a result; payloads of about 200 bytes, each one different, so the compressor sees
/// text like a client's rather than one string repeated. Enqueued in batches of 1,000.
/// </summary>
internal static class SnapshotWorkload
{
    public const int BatchSize = 1000;
    public static readonly string[] Queues = ["transcription", "risk-detection"];
    private static readonly string[] Languages = ["en-GB", "en-US", "de-DE", "fr-FR", "es-ES", "nl-NL"];
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    /// <summary>Fills <paramref name="store"/> with <paramref name="count"/> tasks; the same tasks (but ids) for the same count.</summary>
    /// <returns>How many of them were completed.</returns>
    public static async Task<int> FillAsync(IQueueStore store, int count)
    {
        var random = new Random(count);
        var completed = count / 10;
        // Completed ones first, as in a queue that has been running: while they are the only tasks,
        // leasing everything takes exactly them.
        await EnqueueAsync(store, random, completed);
        for (var left = completed; left > 0;)
        {
            var leases = await store.LeaseAsync("bench-filler", Queues, Math.Min(BatchSize, left), Lease);
            if (leases.Count == 0) throw new InvalidOperationException($"the fill expected {left} more tasks to lease");
            var results = leases.Select(_ => Result(random)).ToArray();
            await Task.WhenAll(leases.Select((lease, i) => store.CompleteAsync(lease, results[i])));
            left -= leases.Count;
        }
        await EnqueueAsync(store, random, count - completed);
        return completed;
    }

    /// <summary>A transcription request of about 200 bytes of JSON.</summary>
    public static string Payload(Random random) =>
        $$$"""{"audioUrl":"https://media.example.com/calls/{{{Hex(random, 16)}}}.wav","language":"{{{Languages[random.Next(Languages.Length)]}}}","callerId":"+44{{{random.Next(100_000_000, 999_999_999)}}}","requestedBy":"agent-{{{random.Next(1, 500)}}}","options":{"diarize":true,"redact":false}}""";

    private static string Result(Random random) =>
        $$"""{"transcriptId":"{{Hex(random, 8)}}","words":{{random.Next(50, 5000)}},"confidence":0.{{random.Next(70, 99)}},"durationMs":{{random.Next(1000, 600_000)}}}""";

    private static async Task EnqueueAsync(IQueueStore store, Random random, int count)
    {
        for (var done = 0; done < count; done += BatchSize)
        {
            var batch = new NewTask[Math.Min(BatchSize, count - done)];
            for (var i = 0; i < batch.Length; i++)
                batch[i] = new NewTask(random.Next(10) < 7 ? Queues[0] : Queues[1], Payload(random)) { Priority = MixedPriority(random) };
            await store.EnqueueBatchAsync(batch);
        }
    }

    private static int MixedPriority(Random random) => random.Next(100) switch
    {
        < 60 => 0,
        < 85 => 10,
        < 97 => 50,
        _ => 90,
    };

    private static string Hex(Random random, int bytes)
    {
        Span<byte> buffer = stackalloc byte[bytes];
        random.NextBytes(buffer);
        return Convert.ToHexStringLower(buffer);
    }
}
