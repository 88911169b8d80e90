using System.ComponentModel;
using System.Diagnostics;
using QueueService.Hosting;

namespace QueueWorker.Handlers.Transcription.Engines;

/// <summary>How an external program ended: its exit code, its whole standard output and the end of its standard error.</summary>
/// <param name="ExitCode">The exit code.</param>
/// <param name="StandardOutput">Everything it wrote to stdout.</param>
/// <param name="StandardErrorTail">Its last lines on stderr (at most <see cref="ExternalProcess.StderrTailLines"/>), joined by newlines.</param>
public sealed record ProcessOutcome(int ExitCode, string StandardOutput, string StandardErrorTail);

/// <summary>
/// Runs the recognisers and sox: arguments go through <see cref="ProcessStartInfo.ArgumentList"/> (never a
/// shell string, so a path or language cannot become an option or a command), stdout and stderr are read
/// concurrently (a chatty stderr cannot fill its pipe and stall the program), and cancellation kills the
/// whole process tree (a wrapper script's children die with it) before the <see cref="OperationCanceledException"/>
/// is rethrown.
/// </summary>
public static class ExternalProcess
{
    /// <summary>How many of the last stderr lines are kept for error messages.</summary>
    public const int StderrTailLines = 20;

    private const int MaxLineChars = 500;

    /// <summary>
    /// The full path of <paramref name="executable"/>: a path (anything with a <c>/</c>) when the file exists,
    /// else a name looked up on <c>PATH</c> by <see cref="QueueEnvironment.FindExecutable"/>.
    /// </summary>
    /// <returns>The path, or null when there is no such file.</returns>
    public static string? Resolve(string executable)
    {
        if (string.IsNullOrWhiteSpace(executable)) return null;
        if (executable.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return File.Exists(executable) ? Path.GetFullPath(executable) : null;
        return QueueEnvironment.FindExecutable(executable);
    }

    /// <summary>Runs <paramref name="executable"/> (a resolved path) with <paramref name="arguments"/> and waits for it to exit.</summary>
    /// <returns>How it ended; a non-zero exit code is returned, not thrown.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired: the process tree was killed.</exception>
    /// <exception cref="Win32Exception">The program could not be started (not executable, wrong format).</exception>
    public static async Task<ProcessOutcome> RunAsync(string executable, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        cancellationToken.ThrowIfCancellationRequested();
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);

        using var process = new Process { StartInfo = start };
        process.Start();
        // Nothing is fed on stdin: closing it makes a program that reads it see end-of-file instead of hanging.
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = ReadTailAsync(process.StandardError);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            // A child it left running may still hold the pipes open: that wait stays cancellable too.
            var output = await stdout.WaitAsync(cancellationToken).ConfigureAwait(false);
            var errors = await stderr.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new ProcessOutcome(process.ExitCode, output, errors);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            // SIGKILL cannot be ignored, so this wait is short; the readers end when the killed tree's pipes close.
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception)
        {
            // It exited between the cancellation and the kill: nothing left to stop.
        }
    }

    private static async Task<string> ReadTailAsync(StreamReader reader)
    {
        var tail = new Queue<string>(StderrTailLines);
        while (await reader.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
        {
            if (tail.Count == StderrTailLines) tail.Dequeue();
            tail.Enqueue(line.Length > MaxLineChars ? line[..MaxLineChars] + "…" : line);
        }
        return string.Join('\n', tail.Where(l => l.Length > 0));
    }
}
