using QueueClient;
using QueueCtl.Monitor;

namespace QueueCtl.Orchestration;

/// <summary>
/// The local stack of <c>queuectl start</c>: Redis (reused, or a redis-server of its own), then the API (until
/// <c>GET /health</c> answers), then the workers; every child supervised (<see cref="SupervisedProcess"/>);
/// on cancellation, stopped in the reverse order: workers (they drain), the API (its final snapshot), the
/// Redis it started. Children are started in a session of their own (<c>setsid</c>) so a terminal's Ctrl+C
/// reaches queuectl only and the stop order stays queuectl's.
/// </summary>
internal sealed partial class LocalStack : IDisposable
{
    private readonly StartSettings _settings;
    private readonly CliEnvironment _environment;
    private readonly StackTimings _timings;
    private readonly TimeProvider _time;
    private readonly ExecutableLocator _locator;
    private readonly IStackOutput _output;
    private readonly List<SupervisedProcess> _workers = [];
    private SupervisedProcess? _redis;
    private SupervisedProcess? _api;
    private string _redisUrl = "";
    private string? _setsid;

    public LocalStack(StartSettings settings, CliEnvironment environment, StackTimings timings, TimeProvider time)
    {
        _settings = settings;
        _environment = environment;
        _timings = timings;
        _time = time;
        _locator = new ExecutableLocator(environment);
        var console = environment.Out.Profile.Out.Writer;
        _output = settings.Monitor ? new LogFileStackOutput(settings.LogDirectory, console, time) : new ConsoleStackOutput(console);
    }

    private IEnumerable<SupervisedProcess> Children =>
        _workers.Concat(new[] { _api, _redis }.OfType<SupervisedProcess>());

    /// <summary>Starts the stack, runs it until <paramref name="cancellationToken"/> fires (or a child cannot be kept up), stops it; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            var dotnet = _locator.DotnetHost();
            var api = _locator.ApiAssembly(_settings.ApiAssembly);
            var worker = _settings.Workers > 0 ? _locator.WorkerAssembly(_settings.WorkerAssembly) : null;
            _setsid = _locator.Setsid();
            if (!Ports.IsFree(_settings.Port))
                throw new StackStartException($"port {_settings.Port} is in use (an API already running?): stop what listens there, or choose another with --port.");
            foreach (var dir in new[] { _settings.DataDirectory, _settings.BackupDirectory, _settings.SpoolDirectory, _settings.LogDirectory })
                Directory.CreateDirectory(dir);

            await StartRedisAsync(cancellationToken);
            await StartApiAsync(dotnet, api, cancellationToken);
            if (worker is not null) StartWorkers(dotnet, worker);
        }
        catch (StackStartException ex)
        {
            await _environment.Error.WriteLineAsync($"queuectl: {ex.Message}");
            await StopAsync();
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _output.Status("interrupted while starting: stopping what was started");
            return await StopAsync() ? ExitCodes.Ok : ExitCodes.Failure;
        }
        catch (Exception ex)
        {
            // Anything else (a console that went away, a process that could not be started): nothing is left running.
            await TryReportAsync($"queuectl: the stack could not start: {ex.Message}");
            await StopAsync();
            return ExitCodes.Failure;
        }

        try
        {
            return await RunStartedAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            await TryReportAsync($"queuectl: {ex.Message}: stopping the stack");
            await StopAsync();
            return ExitCodes.Failure;
        }
    }

    private async Task<int> RunStartedAsync(CancellationToken cancellationToken)
    {
        foreach (var child in Children) child.Supervise();
        _output.Status($"stack up: API {_settings.ApiUrl} · {_settings.Workers} worker(s) · Redis {RedactedRedisUrl} · data {_settings.DataDirectory}. Ctrl+C stops it.");

        using var viewStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var view = _settings.Monitor ? RunWatchViewAsync(viewStop.Token) : Task.CompletedTask;
        var failed = await WaitForStopOrFailureAsync(cancellationToken);
        await viewStop.CancelAsync();
        await view;
        if (failed is not null)
            await _environment.Error.WriteLineAsync(
                $"queuectl: {failed.Name} keeps crashing ({_timings.Restart.MaxQuickCrashes} times in a row within {_timings.Restart.HealthyRun.TotalSeconds:0} s of starting): stopping the stack. Its last output:{Environment.NewLine}{failed.Tail}");
        var isClean = await StopAsync();
        return failed is null && isClean ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>Waits for cancellation (null) or for a child whose supervision gave up (that child).</summary>
    private async Task<SupervisedProcess?> WaitForStopOrFailureAsync(CancellationToken cancellationToken)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = cancellationToken.Register(() => cancelled.TrySetResult());
        var children = Children.ToList();
        // Before a stop is requested, a supervision only ends by giving up.
        var first = await Task.WhenAny(children.Select(c => (Task)c.Completion).Append(cancelled.Task));
        if (first == cancelled.Task) return null;
        return children.First(c => c.Completion.IsCompleted);
    }

    /// <summary>
    /// Stops workers (in parallel), then the API, then the Redis this stack started; a reused Redis is left alone.
    /// True when every child that was running exited with 0.
    /// </summary>
    private async Task<bool> StopAsync()
    {
        var isClean = true;
        if (_workers.Count > 0)
        {
            _output.Status($"stopping {_workers.Count} worker(s) (SIGTERM; they finish or hand back their tasks)");
            var codes = await Task.WhenAll(_workers.Select(w => StopOneAsync(w, _timings.WorkerStopGrace)));
            isClean &= codes.All(ok => ok);
        }
        if (_api is not null)
        {
            _output.Status("stopping the API (SIGTERM; it takes a final snapshot)");
            isClean &= await StopOneAsync(_api, _timings.ApiStopGrace);
        }
        if (_redis is not null)
        {
            _output.Status("stopping redis-server (SIGTERM; it writes its data)");
            isClean &= await StopOneAsync(_redis, _timings.RedisStopGrace);
        }
        if (Children.Any()) _output.Status(isClean ? "stopped" : "stopped, not cleanly: see above");
        return isClean;
    }

    // 128 + 15: how a process ended by SIGTERM's default action reports.
    private const int SigtermExitCode = 143;

    private async Task TryReportAsync(string line)
    {
        try
        {
            await _environment.Error.WriteLineAsync(line);
        }
        catch (IOException)
        {
            // The error stream is gone too: stopping the children matters more than saying why.
        }
    }

    // One child's stop never keeps the others from being stopped: a failure here is reported, and Dispose kills what is left.
    private async Task<bool> StopOneAsync(SupervisedProcess child, TimeSpan grace)
    {
        try
        {
            return await StopOneCoreAsync(child, grace);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            await TryReportAsync($"queuectl: stopping {child.Name} failed ({ex.Message}); it is killed");
            return false;
        }
    }

    private async Task<bool> StopOneCoreAsync(SupervisedProcess child, TimeSpan grace)
    {
        var wasRunning = !child.HasExited;
        var code = await child.StopAsync(grace);
        if (!wasRunning || code is null) return true;
        if (code == SigtermExitCode)
        {
            // The default action of the SIGTERM we sent: the child was still starting and had not taken the signal
            // over yet (the .NET hosts and Redis handle it once up), so it had no work to finish or hand back.
            _output.Status($"{child.Name} stopped by SIGTERM while still starting");
            return true;
        }
        _output.Status($"{child.Name} stopped (exit code {code})");
        if (code == 0) return true;
        await _environment.Error.WriteLineAsync($"queuectl: {child.Name} exited with code {code} when asked to stop. Its last output:{Environment.NewLine}{child.Tail}");
        return false;
    }

    /// <summary>The watch view until <paramref name="cancellationToken"/>; if it fails or ends early, the stack keeps running without it.</summary>
    private async Task RunWatchViewAsync(CancellationToken cancellationToken)
    {
        var files = (LogFileStackOutput)_output;
        _output.Status($"children's output goes to {_settings.LogDirectory}/<name>.out.log");
        string ending;
        try
        {
            using var client = QueueApiClient.Create(new QueueClientOptions { BaseAddress = _settings.ApiUrl, ApiKey = _settings.AdminApiKey });
            files.EchoStatus = false;
            var code = await WatchView.RunAsync(client, _timings.MonitorInterval, _environment, cancellationToken);
            if (cancellationToken.IsCancellationRequested) return;
            ending = $"ended with code {code}";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            ending = $"failed ({ex.Message.TrimEnd('.')})";
        }
        finally
        {
            files.EchoStatus = true;
        }
        _output.Status($"the watch view {ending}; the stack keeps running. Ctrl+C stops it.");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var child in Children) child.Dispose();
        _output.Dispose();
    }
}
