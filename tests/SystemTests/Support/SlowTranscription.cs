using System.Globalization;
using QueueService.Tasks;

namespace SystemTests.Support;

/// <summary>
/// Transcription tasks that take as long as a test needs: the worker's <c>command</c> engine runs
/// <c>/bin/sh -c "sleep N; echo …"</c> on a real 16 kHz mono recording (one chunk, so one run per attempt).
/// The handler, its progress, its cancellation and the process kill on cancel are all the real ones;
/// only the recogniser is a stand-in.
/// </summary>
internal static class SlowTranscription
{
    public const string Queue = "transcription";

    // The shortest of pocketsphinx-testdata's recordings (about 3 s): 16 kHz mono 16-bit, so no sox step.
    private const string Recording = "/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav";

    /// <summary>The worker settings that make every transcription take <paramref name="duration"/>.</summary>
    public static IReadOnlyDictionary<string, string?> Engine(TimeSpan duration) => new Dictionary<string, string?>
    {
        ["Queue__Transcription__Engine"] = "command",
        ["Queue__Transcription__Command__Executable"] = "/bin/sh",
        ["Queue__Transcription__Command__Arguments__0"] = "-c",
        ["Queue__Transcription__Command__Arguments__1"] =
            string.Create(CultureInfo.InvariantCulture, $"sleep {duration.TotalSeconds:0.###}; echo \"transcript of $1\""),
        ["Queue__Transcription__Command__Arguments__2"] = "slow-recogniser", // $0
        ["Queue__Transcription__Command__Arguments__3"] = "{input}",         // $1
    };

    /// <summary>A transcription task on the recording.</summary>
    /// <exception cref="InvalidOperationException">The recording is missing; the message says how to install it.</exception>
    public static NewTask NewTask(int priority = 0)
    {
        if (!File.Exists(Recording))
            throw new InvalidOperationException($"{Recording} is missing: apt-get install pocketsphinx-testdata (./test.sh does).");
        return new NewTask(Queue, $$"""{"audioPath": "{{Recording}}"}""") { Priority = priority };
    }

    /// <summary>Merges setting dictionaries, later ones winning.</summary>
    public static IReadOnlyDictionary<string, string?> With(this IReadOnlyDictionary<string, string?> first, IReadOnlyDictionary<string, string?> second)
    {
        var merged = new Dictionary<string, string?>(first);
        foreach (var (key, value) in second) merged[key] = value;
        return merged;
    }
}
