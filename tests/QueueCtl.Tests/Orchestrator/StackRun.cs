using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using QueueCtl.Orchestration;
using Spectre.Console;
using Xunit.Sdk;

namespace QueueCtl.Tests.Orchestrator;

/// <summary>
/// One <c>queuectl start</c> run inside the test process: the command as QueueCtlApp runs it (parse errors
/// exit 2, <c>ProcessTerminationTimeout = null</c>), its console and error output recorded line by line, in a
/// data directory of its own under temp, on free loopback ports. <see cref="DisposeAsync"/> cancels the run,
/// waits for it, and kills any child still alive (every pid queuectl printed), so a failing test leaves nothing.
/// </summary>
internal sealed partial class StackRun : IAsyncDisposable
{
    /// <summary>Shorter than the product's: a restart in 0.2 s, give up after 3 quick crashes.</summary>
    public static readonly StackTimings TestTimings = new(
        new RestartPolicy(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), MaxQuickCrashes: 3),
        RedisStartTimeout: TimeSpan.FromSeconds(15),
        ApiStartTimeout: TimeSpan.FromSeconds(45),
        WorkerStopGrace: TimeSpan.FromSeconds(20),
        ApiStopGrace: TimeSpan.FromSeconds(20),
        RedisStopGrace: TimeSpan.FromSeconds(10),
        MonitorInterval: TimeSpan.FromSeconds(1));

    // Longer than the slowest clean stop of TestTimings (20 + 20 + 10 s), so a slow stop fails as itself, not as a timeout.
    private static readonly TimeSpan RunPatience = TimeSpan.FromSeconds(90);

    private readonly CancellationTokenSource _stop = new();
    private readonly RecordingWriter _out = new();
    private readonly RecordingWriter _error = new();
    private Task<int>? _run;

    private StackRun(Dictionary<string, string?> variables)
    {
        Variables = variables;
        DataDirectory = Directory.CreateTempSubdirectory("rq-queuectl-start-").FullName;
        ApiPort = FreePort();
        // Two ports asked for one after the other can come back equal once the first is released.
        do RedisPort = FreePort();
        while (RedisPort == ApiPort);
    }

    /// <summary>The environment queuectl reads (a copy of the real one unless a test changes it).</summary>
    public Dictionary<string, string?> Variables { get; }

    /// <summary>The <c>--data-dir</c> of this run (a temp folder, deleted on dispose).</summary>
    public string DataDirectory { get; }

    /// <summary>The <c>--port</c> of this run.</summary>
    public int ApiPort { get; }

    /// <summary>The port of the redis-server this run starts (its <c>--redis-url</c>, where nothing answers).</summary>
    public int RedisPort { get; }

    /// <summary><c>http://127.0.0.1:port/</c>.</summary>
    public Uri ApiUrl => new($"http://127.0.0.1:{ApiPort}/");

    /// <summary>Every console line so far.</summary>
    public IReadOnlyList<string> Lines => _out.Lines;

    /// <summary>Every error line so far.</summary>
    public IReadOnlyList<string> Errors => _error.Lines;

    /// <summary>Console and error output, for failure messages.</summary>
    public string Transcript => string.Join(Environment.NewLine, _out.Lines.Concat(["--- errors ---"]).Concat(_error.Lines));

    /// <summary>A run with the process's environment (without <c>REDIS_URL</c>: each test names its Redis).</summary>
    public static StackRun Create()
    {
        var variables = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);
        variables.Remove("REDIS_URL");
        variables.Remove("QUEUECTL_API_DLL");
        variables.Remove("QUEUECTL_WORKER_DLL");
        return new StackRun(variables);
    }

    /// <summary>The arguments every test passes: this run's port, data directory and a Redis URL where nothing answers yet.</summary>
    public string[] StandardArgs(params string[] more) =>
        ["start", "--port", ApiPort.ToString(), "--data-dir", DataDirectory, "--redis-url", $"redis://127.0.0.1:{RedisPort}", .. more];

    /// <summary>Starts <c>queuectl &lt;args&gt;</c> in the background; see <see cref="ExitCodeAsync"/>.</summary>
    public void Start(params string[] args)
    {
        var environment = new CliEnvironment(
            AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
                Out = new AnsiConsoleOutput(_out),
            }),
            _error,
            name => Variables.GetValueOrDefault(name));
        _run = Task.Run(() => RunAsync(args, environment, _stop.Token));
    }

    /// <summary>Runs to the end and returns the exit code (for runs that end on their own: bad options, failed starts).</summary>
    public static async Task<(int ExitCode, StackRun Run)> RunToEndAsync(StackRun run, params string[] args)
    {
        run.Start(args);
        return (await run.ExitCodeAsync(RunPatience), run);
    }

    /// <summary>The exit code, once the run ends; fails the test after <paramref name="within"/>.</summary>
    public async Task<int> ExitCodeAsync(TimeSpan within)
    {
        try
        {
            return await _run!.WaitAsync(within);
        }
        catch (TimeoutException)
        {
            throw new XunitException($"queuectl start did not end within {within}. Output:\n{Transcript}");
        }
    }

    /// <summary>Cancels the run, as Ctrl+C or SIGTERM would, and returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        await _stop.CancelAsync();
        return await ExitCodeAsync(RunPatience);
    }

    /// <summary>Waits for a console line matching <paramref name="match"/> and returns it.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan within, string because)
    {
        using var deadline = new CancellationTokenSource(within);
        while (true)
        {
            if (Lines.FirstOrDefault(match) is { } line) return line;
            if (_run is { IsCompleted: true })
                throw new XunitException($"Expected a line ({because}), but queuectl ended first. Output:\n{Transcript}");
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new XunitException($"Expected a line within {within}: {because}. Output:\n{Transcript}");
            }
        }
    }

    /// <summary>Waits until queuectl says the stack is up.</summary>
    public Task WaitUntilUpAsync() =>
        WaitForLineAsync(l => l.StartsWith("[queuectl] stack up", StringComparison.Ordinal), RunPatience, "the stack should come up");

    /// <summary>The index of the first line matching <paramref name="match"/> (fails the test when there is none).</summary>
    public int IndexOf(Func<string, bool> match, string what)
    {
        var lines = Lines;
        for (var i = 0; i < lines.Count; i++)
            if (match(lines[i])) return i;
        throw new XunitException($"No line: {what}. Output:\n{Transcript}");
    }

    /// <summary>Every pid queuectl printed for a child (<c>(pid N</c>), in order.</summary>
    public IReadOnlyList<int> ChildPids() =>
        Lines.Where(l => l.StartsWith("[queuectl]", StringComparison.Ordinal))
            .SelectMany(l => PidPattern().Matches(l).Select(m => int.Parse(m.Groups[1].Value)))
            .Distinct().ToList();

    /// <summary>The pid queuectl printed for <paramref name="child"/> most recently.</summary>
    public int LatestPidOf(string child)
    {
        var line = Lines.LastOrDefault(l => l.StartsWith($"[queuectl] {child} ", StringComparison.Ordinal) && PidPattern().IsMatch(l))
            ?? throw new XunitException($"No pid printed for {child}. Output:\n{Transcript}");
        return int.Parse(PidPattern().Match(line).Groups[1].Value);
    }

    /// <summary>True while a process with this pid runs (a zombie counts as gone).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.HasExited) return false;
            var stat = $"/proc/{pid}/stat";
            return !File.Exists(stat) || !File.ReadAllText(stat).Split(") ")[1].StartsWith('Z');
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>True when something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A port free on 127.0.0.1 right now.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken)
    {
        // As QueueCtlApp.RunAsync does, with the start command in the tree.
        var root = new RootCommand("queuectl") { StartCommand.Create(environment, TestTimings, TimeProvider.System) };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) await environment.Error.WriteLineAsync($"queuectl: {error.Message}");
            return QueueCtl.ExitCodes.Usage;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, cancellationToken);
    }

    [GeneratedRegex(@"\(pid (\d+)")]
    private static partial Regex PidPattern();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_run is not null && !_run.IsCompleted)
        {
            await _stop.CancelAsync();
            try
            {
                await _run.WaitAsync(RunPatience);
            }
            catch (Exception)
            {
                // Whatever went wrong, the children are killed below.
            }
        }
        foreach (var pid in ChildPids().Where(IsAlive))
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
            }
            catch (Exception)
            {
                // Gone meanwhile.
            }
        }
        _stop.Dispose();
        try { Directory.Delete(DataDirectory, recursive: true); }
        catch (IOException) { /* best effort: a temp directory */ }
        catch (UnauthorizedAccessException) { /* best effort */ }
    }

    /// <summary>A thread-safe writer that keeps whole lines.</summary>
    private sealed class RecordingWriter : TextWriter
    {
        private readonly object _lock = new(); // re-entrant: Write(string) calls Write(char)
        private readonly List<string> _lines = [];
        private readonly System.Text.StringBuilder _partial = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public IReadOnlyList<string> Lines
        {
            get { lock (_lock) return _lines.ToArray(); }
        }

        public override void Write(char value)
        {
            lock (_lock)
            {
                if (value == '\n')
                {
                    _lines.Add(_partial.ToString().TrimEnd('\r'));
                    _partial.Clear();
                }
                else
                {
                    _partial.Append(value);
                }
            }
        }

        public override void Write(string? value)
        {
            if (value is null) return;
            lock (_lock)
            {
                foreach (var c in value) Write(c);
            }
        }

        public override void WriteLine(string? value)
        {
            lock (_lock)
            {
                Write(value);
                Write('\n');
            }
        }

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }
    }
}
