namespace QueueCtl.Orchestration;

/// <summary>
/// Where the children's output and queuectl's own progress lines go: the console, each line prefixed with its
/// source (<see cref="ConsoleStackOutput"/>), or one log file per child while the watch view owns the console
/// (<see cref="LogFileStackOutput"/>). Children write from their own threads: implementations are thread-safe.
/// </summary>
internal interface IStackOutput : IDisposable
{
    /// <summary>The name of queuectl's own lines.</summary>
    const string Self = "queuectl";

    /// <summary>One line a child wrote to stdout or stderr.</summary>
    void ChildLine(string child, string line);

    /// <summary>One progress line of queuectl's own (started, restarting, stopping).</summary>
    void Status(string line);
}

/// <summary>Everything on one writer, each line prefixed <c>[child]</c>, whole lines only (one lock).</summary>
internal sealed class ConsoleStackOutput(TextWriter writer) : IStackOutput
{
    private readonly Lock _lock = new();

    /// <inheritdoc/>
    public void ChildLine(string child, string line)
    {
        lock (_lock) writer.WriteLine($"[{child}] {line}");
    }

    /// <inheritdoc/>
    public void Status(string line) => ChildLine(IStackOutput.Self, line);

    /// <inheritdoc/>
    public void Dispose()
    {
        // The writer is the console's: not ours to close.
    }
}

/// <summary>
/// One file per child, <c>&lt;directory&gt;/&lt;child&gt;.out.log</c> (appended, so a restarted child continues
/// its file), and queuectl's own lines in <c>queuectl.out.log</c>, also echoed to the console until
/// <see cref="EchoStatus"/> is turned off (when the watch view takes the screen).
/// </summary>
internal sealed class LogFileStackOutput : IStackOutput
{
    private readonly Lock _lock = new();
    private readonly string _directory;
    private readonly TextWriter _console;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, StreamWriter> _files = new(StringComparer.Ordinal);

    public LogFileStackOutput(string directory, TextWriter console, TimeProvider time)
    {
        Directory.CreateDirectory(directory);
        _directory = directory;
        _console = console;
        _time = time;
    }

    /// <summary>Whether queuectl's own lines also go to the console (true until the watch view starts).</summary>
    public bool EchoStatus { get; set; } = true;

    /// <summary>The log file of <paramref name="child"/>.</summary>
    public string PathOf(string child) => Path.Combine(_directory, child + ".out.log");

    /// <inheritdoc/>
    public void ChildLine(string child, string line)
    {
        lock (_lock)
        {
            if (!_files.TryGetValue(child, out var file))
            {
                file = new StreamWriter(new FileStream(PathOf(child), FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
                _files[child] = file;
            }
            file.WriteLine(line);
        }
    }

    /// <inheritdoc/>
    public void Status(string line)
    {
        var stamped = $"{_time.GetLocalNow():HH:mm:ss} {line}";
        ChildLine(IStackOutput.Self, stamped);
        if (!EchoStatus) return;
        lock (_lock) _console.WriteLine($"[{IStackOutput.Self}] {line}");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var file in _files.Values) file.Dispose();
            _files.Clear();
        }
    }
}
