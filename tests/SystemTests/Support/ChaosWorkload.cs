using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace SystemTests.Support;

/// <summary>One task the chaos client submits: its number, the input file that names it, its priority.</summary>
/// <param name="Number">0-based, in submission order.</param>
/// <param name="Name">What the recogniser writes to the side file: <c>00042-fast</c> or <c>00042-slow</c>.</param>
/// <param name="IsSlow">Whether the recogniser sleeps 1–3 s on it.</param>
/// <param name="Priority">0–100.</param>
/// <param name="AudioPath">The input file's absolute path, inside the API's input root.</param>
internal sealed record ChaosTask(int Number, string Name, bool IsSlow, int Priority, string AudioPath);

/// <summary>
/// The chaos scenario's tasks and their handler: real transcription tasks run by the worker's <c>command</c>
/// engine, whose program is a shell script that appends <c>start NAME PID</c> and <c>end NAME PID</c> to a side
/// file (PID = the worker process, the script's parent) and sleeps 1–3 s on slow tasks.
/// </summary>
/// <remarks>
/// The handler gives the engine a chunk copy in a random work folder, not the task's own file, so the path
/// cannot name the task. The name travels in the audio instead: each input is a tiny 16 kHz mono 16-bit WAV
/// whose first sample bytes are a line holding the ASCII name (<c>\n00042-fast\n</c>, the rest silence), and
/// the chunker copies samples verbatim behind its canonical 44-byte header, which holds no newline byte for
/// this size. The script reads its input's second line with the shell's own <c>read</c>: no extra process per
/// task, which matters on a busy 2-core machine.
/// </remarks>
internal sealed class ChaosWorkload
{
    /// <summary>The queue every chaos task goes to.</summary>
    public const string Queue = "transcription";

    /// <summary>Characters in a task's name: five digits, a dash, <c>fast</c> or <c>slow</c>.</summary>
    public const int NameLength = 10;

    private const int SampleRate = 16_000;
    private const int CanonicalHeaderBytes = 44;
    // 0.1 s: one chunk, so one recogniser run per attempt.
    private const int DataBytes = SampleRate / 10 * 2;

    private static readonly int[] Priorities = [0, 10, 50, 100];

    // $1 = the chunk WAV, $2 = the side file. The name's last digit (0-9, never read as octal) picks the sleep.
    private const string Script = """
        { read -r _; read -r n; } < "$1"
        echo "start $n $PPID" >> "$2"
        case "$n" in *-slow) d=${n%-slow}; d=${d#????}; sleep $((d % 3 + 1)) ;; esac
        echo "end $n $PPID" >> "$2"
        echo "transcript of $n"
        """;

    private ChaosWorkload(string root, IReadOnlyList<ChaosTask> tasks)
    {
        Root = root;
        Tasks = tasks;
    }

    /// <summary>The scenario's temp folder: inputs, side file, backups, spool, the handler's work folders.</summary>
    public string Root { get; }

    /// <summary>The API's input root (<c>QUEUE_INPUT_ROOT</c>), holding <c>&lt;n&gt;-fast.wav</c> and <c>&lt;n&gt;-slow.wav</c>.</summary>
    public string InputRoot => Path.Combine(Root, "in");

    /// <summary>The file the recogniser appends its start and end lines to.</summary>
    public string SideFile => Path.Combine(Root, "side.txt");

    /// <summary>The API's <c>BACKUP_DIR</c> (snapshots, the outage journal), kept across API restarts.</summary>
    public string BackupDirectory => Path.Combine(Root, "backups");

    /// <summary>The <c>SPOOL_DIR</c> of the API and the workers.</summary>
    public string SpoolDirectory => Path.Combine(Root, "spool");

    /// <summary>The tasks, in submission order.</summary>
    public IReadOnlyList<ChaosTask> Tasks { get; }

    /// <summary>
    /// Writes <paramref name="count"/> input files into a new temp folder: every <paramref name="slowEvery"/>-th task
    /// is slow, priorities are drawn from 0, 10, 50, 100 with <paramref name="seed"/>.
    /// </summary>
    public static ChaosWorkload Create(int count, int slowEvery, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 99_999);
        var root = Directory.CreateTempSubdirectory("rq-chaos-").FullName;
        var workload = new ChaosWorkload(root, Plan(root, count, slowEvery, seed));
        Directory.CreateDirectory(workload.InputRoot);
        Directory.CreateDirectory(workload.BackupDirectory);
        Directory.CreateDirectory(workload.SpoolDirectory);
        Directory.CreateDirectory(Path.Combine(root, "work"));
        File.WriteAllText(workload.SideFile, "");
        foreach (var task in workload.Tasks) File.WriteAllBytes(task.AudioPath, Wav(task.Name));
        return workload;
    }

    /// <summary>The worker settings that make its <c>command</c> engine the recording script above.</summary>
    public IReadOnlyDictionary<string, string?> Engine() => new Dictionary<string, string?>
    {
        ["Queue__Transcription__Engine"] = "command",
        ["Queue__Transcription__WorkDirectory"] = Path.Combine(Root, "work"),
        ["Queue__Transcription__Command__Executable"] = "/bin/sh",
        ["Queue__Transcription__Command__Arguments__0"] = "-c",
        ["Queue__Transcription__Command__Arguments__1"] = Script,
        ["Queue__Transcription__Command__Arguments__2"] = "chaos-recogniser", // $0
        ["Queue__Transcription__Command__Arguments__3"] = "{input}",          // $1
        ["Queue__Transcription__Command__Arguments__4"] = SideFile,           // $2
    };

    /// <summary>The task a name from the side file or an <c>audioPath</c> file name stands for; null when none does.</summary>
    public ChaosTask? Find(string nameOrPath)
    {
        var name = Path.GetFileNameWithoutExtension(nameOrPath);
        return name.Length == NameLength && int.TryParse(name.AsSpan(0, 5), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && n < Tasks.Count && Tasks[n].Name == name ? Tasks[n] : null;
    }

    /// <summary>Deletes the temp folder; best effort.</summary>
    public void Delete()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { /* best effort: a temp directory */ }
        catch (UnauthorizedAccessException) { /* best effort */ }
    }

    private static ChaosTask[] Plan(string root, int count, int slowEvery, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(n =>
        {
            var slow = n % slowEvery == slowEvery / 2;
            var name = string.Create(CultureInfo.InvariantCulture, $"{n:D5}-{(slow ? "slow" : "fast")}");
            return new ChaosTask(n, name, slow, Priorities[random.Next(Priorities.Length)], Path.Combine(root, "in", name + ".wav"));
        }).ToArray();
    }

    /// <summary>A canonical 16 kHz mono 16-bit PCM WAV of 0.1 s whose first sample bytes spell <paramref name="name"/>.</summary>
    private static byte[] Wav(string name)
    {
        var wav = new byte[CanonicalHeaderBytes + DataBytes];
        var span = wav.AsSpan();
        Encoding.ASCII.GetBytes("RIFF", span[0..4]);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..8], 36 + DataBytes);
        Encoding.ASCII.GetBytes("WAVEfmt ", span[8..16]);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..20], 16);        // fmt chunk size
        BinaryPrimitives.WriteInt16LittleEndian(span[20..22], 1);         // PCM
        BinaryPrimitives.WriteInt16LittleEndian(span[22..24], 1);         // mono
        BinaryPrimitives.WriteInt32LittleEndian(span[24..28], SampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..32], SampleRate * 2); // bytes per second
        BinaryPrimitives.WriteInt16LittleEndian(span[32..34], 2);         // block align
        BinaryPrimitives.WriteInt16LittleEndian(span[34..36], 16);        // bits per sample
        Encoding.ASCII.GetBytes("data", span[36..40]);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..44], DataBytes);
        Encoding.ASCII.GetBytes($"\n{name}\n", span[CanonicalHeaderBytes..]);
        if (span[..CanonicalHeaderBytes].Contains((byte)'\n')) throw new InvalidOperationException("the WAV header holds a newline byte: the script would misread the name");
        return wav;
    }
}
