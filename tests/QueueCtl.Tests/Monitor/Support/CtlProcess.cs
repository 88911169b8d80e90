using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace QueueCtl.Tests.Monitor.Support;

/// <summary>
/// The built queuectl as a real process (<c>dotnet QueueCtl.dll …</c> from the test's output folder), with its output
/// recorded; killed on dispose if still running. Proves the real entry point: exit codes, stdout/stderr, signals.
/// </summary>
internal sealed class CtlProcess : IDisposable
{
    private const int Sigint = 2;
    private readonly Process _process;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _error = new();

    private CtlProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(_out, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_error, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Out
    {
        get { lock (_out) return _out.ToString(); }
    }

    public string Error
    {
        get { lock (_error) return _error.ToString(); }
    }

    /// <summary>Starts <c>dotnet QueueCtl.dll <paramref name="args"/></c> with neither queuectl variable set.</summary>
    public static CtlProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "QueueCtl.dll"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment.Remove("QUEUE_SERVICE_URL");
        info.Environment.Remove("QUEUE_ADMIN_API_KEY");
        return new CtlProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start queuectl"));
    }

    /// <summary>Runs queuectl to its end and returns what it printed; fails the test if it takes longer than <paramref name="within"/>.</summary>
    public static async Task<CtlResult> RunAsync(TimeSpan within, params string[] args)
    {
        using var process = Start(args);
        var exit = await process.WaitForExitAsync(within);
        return new CtlResult(exit, process.Out, process.Error);
    }

    /// <summary>Sends SIGINT, as Ctrl+C in a terminal does.</summary>
    public void Interrupt() => Signal(Sigint);

    /// <summary>Sends <paramref name="signal"/> (a Linux signal number: 1 SIGHUP, 2 SIGINT, 3 SIGQUIT, 15 SIGTERM).</summary>
    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill -{signal} failed: {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Waits for the exit and returns its code (the output read to its end); fails the test after <paramref name="within"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"queuectl did not exit within {within}.\n--- out ---\n{Out}\n--- error ---\n{Error}");
        }
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is null) return;
        lock (text) text.AppendLine(line);
    }

    // DllImport, not LibraryImport: the source-generated form needs unsafe code for no gain here.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
