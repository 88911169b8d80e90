using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace QueueWorker.Tests.Process;

/// <summary>A real QueueWorker process started from the test's output folder; killed on dispose if still running.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly System.Diagnostics.Process _process;
    private readonly StringBuilder _output = new();

    private WorkerProcess(System.Diagnostics.Process process) => _process = process;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static WorkerProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Directory.CreateTempSubdirectory("rq-worker-test-").FullName,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "QueueWorker.dll"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment.Remove("REDIS_URL");
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var worker = new WorkerProcess(System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException("could not start QueueWorker"));
        worker._process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        worker._process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        worker._process.BeginOutputReadLine();
        worker._process.BeginErrorReadLine();
        return worker;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
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
            throw new Xunit.Sdk.XunitException($"QueueWorker did not exit within {within}. Output:\n{Output}");
        }
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as a container runtime or systemd would.</summary>
    public void Terminate()
    {
        if (Kill(_process.Id, 15) != 0) throw new InvalidOperationException($"kill -TERM failed: {Marshal.GetLastPInvokeError()}");
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
