using System.Buffers.Binary;
using System.Text.RegularExpressions;
using QueueWorker.Handlers.Transcription.Engines;

namespace QueueWorker.Tests.Handlers.Transcription;

/// <summary>Audio for the tests: the librivox recordings of pocketsphinx-testdata, synthetic PCM written in code, sox.</summary>
internal static partial class TestAudio
{
    public const string LibrivoxDirectory = "/usr/share/pocketsphinx/test/data/librivox";
    public const int Rate = 16000;

    /// <summary>One recording and its reference transcript.</summary>
    public sealed record Recording(string Id, string Path, string Reference);

    /// <summary>The five recordings, in file order, with their reference text from the <c>transcription</c> file.</summary>
    public static IReadOnlyList<Recording> Librivox { get; } = LoadLibrivox();

    private static List<Recording> LoadLibrivox()
    {
        var transcription = System.IO.Path.Combine(LibrivoxDirectory, "transcription");
        if (!File.Exists(transcription))
            throw new InvalidOperationException($"{transcription} is missing: apt-get install pocketsphinx-testdata (./test.sh does).");
        return File.ReadLines(transcription)
            .Select(line => ReferenceLine().Match(line))
            .Where(m => m.Success)
            .Select(m => new Recording(m.Groups["id"].Value, System.IO.Path.Combine(LibrivoxDirectory, m.Groups["id"].Value + ".wav"), m.Groups["text"].Value))
            .OrderBy(r => r.Id, StringComparer.Ordinal)
            .ToList();
    }

    [GeneratedRegex(@"^<s>\s*(?<text>.*?)\s*</s>\s*\((?<id>[^)]+)\)\s*$")]
    private static partial Regex ReferenceLine();

    /// <summary>A sine tone (loud enough to never be the quietest frame).</summary>
    public static short[] Tone(double seconds, double hz = 440, short amplitude = 8000) =>
        Enumerable.Range(0, (int)(seconds * Rate)).Select(i => (short)(amplitude * Math.Sin(2 * Math.PI * hz * i / Rate))).ToArray();

    /// <summary>Digital silence.</summary>
    public static short[] Silence(double seconds) => new short[(int)(seconds * Rate)];

    /// <summary>Writes 16-bit PCM; <paramref name="extraChunks"/> adds LIST chunks before fmt, between fmt and data, and an odd-sized one.</summary>
    public static void WriteWav(string path, short[] samples, int rate = Rate, int channels = 1, bool extraChunks = false)
    {
        using var file = File.Create(path);
        using var writer = new BinaryWriter(file);
        var before = extraChunks ? Chunk("LIST", "INFOISFT\u0005\0\0\0test\0"u8.ToArray()) : [];
        var between = extraChunks ? Chunk("JUNK", new byte[7]) : []; // odd size: padded to 8
        var fmt = new byte[16];
        BinaryPrimitives.WriteUInt16LittleEndian(fmt, 1);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(2), (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(4), (uint)rate);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(8), (uint)(rate * channels * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(12), (ushort)(channels * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(14), 16);
        var data = new byte[samples.Length * 2];
        for (var i = 0; i < samples.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(i * 2), samples[i]);
        var body = before.Concat(Chunk("fmt ", fmt)).Concat(between).Concat(Chunk("data", data)).ToArray();
        writer.Write("RIFF"u8);
        writer.Write(4 + body.Length);
        writer.Write("WAVE"u8);
        writer.Write(body);
    }

    private static byte[] Chunk(string id, byte[] body)
    {
        var chunk = new byte[8 + body.Length + (body.Length & 1)];
        System.Text.Encoding.ASCII.GetBytes(id).CopyTo(chunk, 0);
        BinaryPrimitives.WriteInt32LittleEndian(chunk.AsSpan(4), body.Length);
        body.CopyTo(chunk, 8);
        return chunk;
    }

    /// <summary>The 16-bit samples of a canonical (44-byte header) mono WAV.</summary>
    public static short[] ReadCanonicalSamples(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var samples = new short[(bytes.Length - 44) / 2];
        for (var i = 0; i < samples.Length; i++) samples[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(44 + i * 2));
        return samples;
    }

    /// <summary>Runs sox (which test.sh installs) and fails the test with its stderr when it fails.</summary>
    public static async Task SoxAsync(params string[] arguments)
    {
        var sox = ExternalProcess.Resolve("sox") ?? throw new InvalidOperationException("sox is missing: apt-get install sox (./test.sh does).");
        var outcome = await ExternalProcess.RunAsync(sox, arguments, CancellationToken.None);
        outcome.ExitCode.Should().Be(0, $"sox {string.Join(' ', arguments)} should succeed: {outcome.StandardErrorTail}");
    }

    /// <summary>The five librivox recordings one after another (about 24.7 s), as 16 kHz mono WAV.</summary>
    public static async Task<string> ConcatenatedLibrivoxAsync(string directory)
    {
        var path = System.IO.Path.Combine(directory, "librivox-all.wav");
        await SoxAsync([.. Librivox.Select(r => r.Path), path]);
        return path;
    }
}
