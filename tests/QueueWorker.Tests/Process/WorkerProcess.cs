using System.Diagnostics;
using System.Runtime.InteropServices;

namespace QueueWorker.Tests.Process;

/// <summary>
/// A real QueueWorker process (or another of our hosts, see <see cref="StartHost"/>) started from the
/// test's output folder, in a temp working directory of its own; killed on dispose if still running.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private const int Sigkill = 9;
    private const int Sigterm = 15;

    private readonly System.Diagnostics.Process _process;
    private readonly string _name;
    private readonly List<string> _lines = [];

    private WorkerProcess(System.Diagnostics.Process process, string name)
    {
        _process = process;
        _name = name;
    }

    /// <summary>Everything it wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get { lock (_lines) return string.Concat(_lines.Select(line => line + Environment.NewLine)); }
    }

    /// <summary>The lines it wrote to stdout and stderr so far, in the order they arrived.</summary>
    public IReadOnlyList<string> Lines
    {
        get { lock (_lines) return _lines.ToArray(); }
    }

    /// <summary>Its process id.</summary>
    public int Id => _process.Id;

    /// <summary>True once it has exited.</summary>
    public bool HasExited => _process.HasExited;

    public static WorkerProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        StartHost("QueueWorker.dll", environment, args);

    /// <summary>Starts <c>dotnet &lt;assembly&gt;</c> from the output folder: a referenced host project (QueueWorker, QueueHttpApi).</summary>
    public static WorkerProcess StartHost(string assembly, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Directory.CreateTempSubdirectory("rq-worker-test-").FullName,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment.Remove("REDIS_URL");
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var worker = new WorkerProcess(System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException($"could not start {assembly}"),
            Path.GetFileNameWithoutExtension(assembly));
        worker._process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        worker._process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        worker._process.BeginOutputReadLine();
        worker._process.BeginErrorReadLine();
        return worker;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_lines) _lines.Add(line);
    }

    /// <summary>Waits for a line that satisfies <paramref name="match"/> and returns it; fails the test after <paramref name="within"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan within, string because)
    {
        ArgumentNullException.ThrowIfNull(match);
        using var timeout = new CancellationTokenSource(within);
        while (true)
        {
            var line = Lines.FirstOrDefault(match);
            if (line is not null) return line;
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync(); // the output read to its end: one last look
                line = Lines.FirstOrDefault(match);
                if (line is not null) return line;
                throw new Xunit.Sdk.XunitException($"Expected a line: {because}. The process exited with code {_process.ExitCode} first. Output:\n{Output}");
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"Expected a line within {within}: {because}. Output:\n{Output}");
            }
        }
    }

    /// <summary>Waits for the process to exit and returns its exit code; fails the test after <paramref name="within"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{_name} did not exit within {within}. Output:\n{Output}");
        }
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as a container runtime or systemd would.</summary>
    public void Terminate()
    {
        if (Kill(_process.Id, Sigterm) != 0) throw new InvalidOperationException($"kill -TERM failed: {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Sends SIGKILL (<c>kill -9</c>): no shutdown code runs, as when a machine or container dies.</summary>
    public void KillHard()
    {
        if (Kill(_process.Id, Sigkill) != 0) throw new InvalidOperationException($"kill -KILL failed: {Marshal.GetLastPInvokeError()}");
    }

    // DllImport, not LibraryImport: the source-generated form needs unsafe code for no gain here.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
#pragma warning disable SYSLIB1054
    private static extern int Kill(int pid, int signal);
#pragma warning restore SYSLIB1054

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        try { Directory.Delete(_process.StartInfo.WorkingDirectory, recursive: true); }
        catch (IOException) { /* best effort: a temp directory */ }
        _process.Dispose();
    }
}
