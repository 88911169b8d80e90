using System.Diagnostics;

namespace QueueCtl.Orchestration;

/// <summary>How a child's supervision ended.</summary>
internal enum SupervisionEnd
{
    /// <summary>We asked it to stop (<see cref="SupervisedProcess.StopAsync"/>).</summary>
    Stopped,

    /// <summary>It crashed too often in a row (<see cref="RestartPolicy"/>), or could not be started again.</summary>
    GaveUp,
}

/// <summary>
/// One child process of the stack (redis-server, the API, a worker): started with <see cref="Launch"/>, watched
/// with <see cref="Supervise"/> (a crash is restarted after the policy's delay), stopped with
/// <see cref="StopAsync"/> (SIGTERM, a grace period, then SIGKILL). An exit after a stop request is never
/// restarted. Its output goes to the <see cref="IStackOutput"/> under its name, and the last lines are kept
/// for error messages.
/// </summary>
internal sealed class SupervisedProcess : IDisposable
{
    private const int TailLines = 60;

    private readonly Func<ProcessStartInfo> _startInfo;
    private readonly IStackOutput _output;
    private readonly RestartPolicy _policy;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Queue<string> _tail = new();
    private readonly CancellationTokenSource _stopping = new();
    private Process? _current;
    private long _startedAt;
    private bool _isStopRequested;
    private Task<SupervisionEnd>? _supervision;

    public SupervisedProcess(string name, Func<ProcessStartInfo> startInfo, IStackOutput output, RestartPolicy policy, TimeProvider time)
    {
        Name = name;
        _startInfo = startInfo;
        _output = output;
        _policy = policy;
        _time = time;
    }

    /// <summary>Its name in output and messages: <c>redis</c>, <c>api</c>, <c>worker-1</c>.</summary>
    public string Name { get; }

    /// <summary>The current process's id; null before <see cref="Launch"/>.</summary>
    public int? Pid
    {
        get { lock (_lock) return _current?.Id; }
    }

    /// <summary>How many times it was restarted after a crash.</summary>
    public int Restarts { get; private set; }

    /// <summary>True when the current process has exited (and no restart has replaced it yet).</summary>
    public bool HasExited
    {
        get { lock (_lock) return _current is null || _current.HasExited; }
    }

    /// <summary>The current process's exit code, once it has exited.</summary>
    public int? ExitCode
    {
        get { lock (_lock) return _current is { HasExited: true } p ? p.ExitCode : null; }
    }

    /// <summary>Its last lines of output, for error messages; stack frames left out (the exception's own line says what failed).</summary>
    public string Tail
    {
        get
        {
            lock (_tail)
                return string.Join(Environment.NewLine, _tail.Where(line => !IsStackFrame(line)));
        }
    }

    /// <summary>Completes when supervision ends; never before <see cref="Supervise"/> is called.</summary>
    public Task<SupervisionEnd> Completion => _supervision ?? Task.FromResult(SupervisionEnd.Stopped);

    /// <summary>Starts the first process. Not supervised yet: the caller decides when it is up (<see cref="Supervise"/>).</summary>
    /// <exception cref="InvalidOperationException">The executable could not be started (the message names it).</exception>
    public void Launch()
    {
        lock (_lock) _current = StartProcess();
    }

    /// <summary>From now on, a crash is restarted (see <see cref="RestartPolicy"/>).</summary>
    public void Supervise() => _supervision ??= SuperviseAsync();

    /// <summary>
    /// Asks the child to stop (SIGTERM) and waits up to <paramref name="grace"/> for it to exit, then kills it
    /// (SIGKILL). Returns its exit code (null if it was not running), once it and its supervision are done.
    /// </summary>
    public async Task<int?> StopAsync(TimeSpan grace)
    {
        Process? process;
        lock (_lock)
        {
            _isStopRequested = true;
            process = _current;
        }
        await _stopping.CancelAsync();
        if (process is null) return null;
        if (Signals.Terminate(process))
        {
            using var deadline = new CancellationTokenSource(grace, _time);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                _output.Status($"{Name} did not stop within {grace.TotalSeconds:0} s of SIGTERM: killing it (pid {process.Id})");
                Signals.KillNow(process);
            }
        }
        await process.WaitForExitAsync(CancellationToken.None);
        await Completion;
        return process.ExitCode;
    }

    private async Task<SupervisionEnd> SuperviseAsync()
    {
        var quickCrashes = 0;
        while (true)
        {
            Process process;
            long startedAt;
            lock (_lock)
            {
                process = _current!;
                startedAt = _startedAt;
            }
            await process.WaitForExitAsync(CancellationToken.None);
            lock (_lock)
            {
                if (_isStopRequested) return SupervisionEnd.Stopped;
            }

            // Checkpoint: an exit nobody asked for, a crash (a clean exit 0 of a child that should run until told is one too).
            var ran = _time.GetElapsedTime(startedAt);
            quickCrashes = _policy.NextQuickCrashes(quickCrashes, ran);
            if (_policy.ShouldGiveUp(quickCrashes))
            {
                _output.Status($"{Name} exited with code {process.ExitCode} after {ran.TotalSeconds:0.0} s: " +
                    $"{quickCrashes} crashes in a row within {_policy.HealthyRun.TotalSeconds:0} s of starting; giving up");
                return SupervisionEnd.GaveUp;
            }
            var delay = _policy.DelayAfter(quickCrashes);
            _output.Status($"{Name} exited unexpectedly with code {process.ExitCode} after {ran.TotalSeconds:0.0} s; restarting in {delay.TotalSeconds:0.#} s");
            try
            {
                await Task.Delay(delay, _time, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return SupervisionEnd.Stopped;
            }
            lock (_lock)
            {
                if (_isStopRequested) return SupervisionEnd.Stopped;
                try
                {
                    _current?.Dispose();
                    _current = StartProcess();
                }
                catch (InvalidOperationException ex)
                {
                    _output.Status($"{Name} could not be restarted: {ex.Message}; giving up");
                    return SupervisionEnd.GaveUp;
                }
                Restarts++;
            }
            _output.Status($"{Name} restarted (pid {Pid}, restart {Restarts})");
        }
    }

    // Called under _lock.
    private Process StartProcess()
    {
        var info = _startInfo();
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = false;
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"could not start {info.FileName}: {ex.Message}", ex);
        }
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _startedAt = _time.GetTimestamp();
        return process;
    }

    /// <summary>
    /// Releases the process handle; call after <see cref="StopAsync"/>. A child still running then (a stop that
    /// threw, or was never reached) is killed, so queuectl never leaves a child behind in its own session.
    /// </summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _isStopRequested = true;
            if (_current is { } process)
            {
                Signals.KillNow(process);
                process.Dispose();
            }
        }
        _stopping.Dispose();
    }

    private static bool IsStackFrame(string line)
    {
        var trimmed = line.TrimStart();
        return trimmed.StartsWith("at ", StringComparison.Ordinal) || trimmed.StartsWith("--- End of", StringComparison.Ordinal);
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > TailLines) _tail.Dequeue();
        }
        _output.ChildLine(Name, line);
    }
}
