using System.Diagnostics;
using System.Globalization;

namespace QueueCtl.Orchestration;

// How each child is started and when it counts as up.
internal sealed partial class LocalStack
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private string RedactedRedisUrl => RedisAddress.TryParse(_redisUrl, out _)?.Redacted ?? _redisUrl;

    /// <summary>Reuses the Redis at the configured address if it answers PING; else starts redis-server and waits for PONG.</summary>
    private async Task StartRedisAsync(CancellationToken cancellationToken)
    {
        var address = _settings.Redis;
        if (address.IsTls)
        {
            // queuectl's probe speaks plain TCP: the API will tell (GET /health) whether this Redis answers.
            _redisUrl = address.Url;
            _output.Status($"using the Redis at {address} (TLS: not probed)");
            return;
        }
        var (answer, reply) = await RedisProbe.PingAsync(address, ProbeTimeout, cancellationToken);
        switch (answer)
        {
            case RedisAnswer.Ready or RedisAnswer.Loading:
                _redisUrl = address.Url;
                _output.Status($"reusing the Redis at {address} (it answered {reply}); it is left running on stop");
                return;
            case RedisAnswer.Refused:
                throw new StackStartException($"{address} answers but refuses PING ({reply}): fix the password in --redis-url / REDIS_URL, or choose another address.");
        }

        var executable = _locator.RedisServer();
        var port = address.IsLoopback ? address.Port : Ports.IsFree(RedisAddress.DefaultPort) ? RedisAddress.DefaultPort : Ports.Free();
        if (port == _settings.Port)
            throw new StackStartException($"Redis and the API cannot share port {port}: choose another --port or --redis-url.");
        if (!Ports.IsFree(port))
            throw new StackStartException($"127.0.0.1:{port} is in use but does not answer as Redis: stop what listens there, or choose another --redis-url.");
        Directory.CreateDirectory(_settings.RedisDirectory);
        var password = address.IsLoopback ? address.Password : null;
        _redisUrl = password is null
            ? RedisAddress.Loopback(port).Url
            : $"redis://:{Uri.EscapeDataString(password)}@127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        _output.Status($"no Redis answers at {address}: starting redis-server on 127.0.0.1:{port} (AOF on, data in {_settings.RedisDirectory})");
        _redis = new SupervisedProcess("redis", () => RedisStartInfo(executable, port, password), _output, _timings.Restart, _time);
        Launch(_redis);

        var ours = RedisAddress.TryParse(_redisUrl, out _)!;
        using var timeout = new CancellationTokenSource(_timings.RedisStartTimeout, _time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        while ((await RedisProbe.PingAsync(ours, ProbeTimeout, cancellationToken)).Answer != RedisAnswer.Ready)
        {
            if (_redis.HasExited)
                throw new StackStartException($"redis-server exited with code {_redis.ExitCode} before answering PING. Its last output:{Environment.NewLine}{_redis.Tail}");
            await DelayOrThrowAsync(
                $"redis-server did not answer PING within {_timings.RedisStartTimeout.TotalSeconds:0} s. Its last output:{Environment.NewLine}{_redis.Tail}", deadline.Token, cancellationToken);
        }
        _output.Status($"redis ready at {RedactedRedisUrl} (pid {_redis.Pid})");
    }

    /// <summary>Starts the API and waits until <c>GET /health</c> answers at all (200 or 503: either means it is serving).</summary>
    private async Task StartApiAsync(string dotnet, string assembly, CancellationToken cancellationToken)
    {
        _api = new SupervisedProcess("api", () => ApiStartInfo(dotnet, assembly), _output, _timings.Restart, _time);
        _output.Status($"starting the API ({assembly}) on {_settings.ApiUrl}");
        Launch(_api);

        var health = new Uri(_settings.ApiUrl, "health");
        using var http = new HttpClient { Timeout = ProbeTimeout };
        using var timeout = new CancellationTokenSource(_timings.ApiStartTimeout, _time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        while (true)
        {
            if (_api.HasExited)
                throw new StackStartException($"the API exited with code {_api.ExitCode} before answering GET {health}. Its last output:{Environment.NewLine}{_api.Tail}");
            try
            {
                using var response = await http.GetAsync(health, deadline.Token);
                // 200 healthy or 503 degraded: either is the API's health endpoint. Anything else is not our API
                // (something else answers on the port; ours will fail to bind and exit, reported above).
                if (response.StatusCode is System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.ServiceUnavailable)
                {
                    _output.Status($"api up at {_settings.ApiUrl} (pid {_api.Pid}; /health answered {(int)response.StatusCode})");
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
            {
                // HttpClient's own timeout: it is listening but slow; ask again.
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The deadline: reported below.
            }
            await DelayOrThrowAsync(
                $"the API did not answer GET {health} within {_timings.ApiStartTimeout.TotalSeconds:0} s. Its last output:{Environment.NewLine}{_api.Tail}", deadline.Token, cancellationToken);
        }
    }

    private void StartWorkers(string dotnet, string assembly)
    {
        for (var i = 1; i <= _settings.Workers; i++)
        {
            var id = $"{_settings.WorkerPrefix}-{i.ToString(CultureInfo.InvariantCulture)}";
            var worker = new SupervisedProcess($"worker-{i.ToString(CultureInfo.InvariantCulture)}", () => WorkerStartInfo(dotnet, assembly, id), _output, _timings.Restart, _time);
            _workers.Add(worker);
            Launch(worker);
            _output.Status($"{worker.Name} started as {id} (pid {worker.Pid})");
        }
    }

    private static void Launch(SupervisedProcess child)
    {
        try
        {
            child.Launch();
        }
        catch (InvalidOperationException ex)
        {
            throw new StackStartException($"{child.Name}: {ex.Message}", ex);
        }
    }

    /// <summary>Waits one poll interval; at the deadline throws <paramref name="timeoutMessage"/>; on cancellation rethrows it.</summary>
    private async Task DelayOrThrowAsync(string timeoutMessage, CancellationToken deadline, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(PollInterval, _time, deadline);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StackStartException(timeoutMessage);
        }
        if (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested) throw new StackStartException(timeoutMessage);
    }

    private ProcessStartInfo RedisStartInfo(string executable, int port, string? password)
    {
        string[] args =
        [
            "--bind", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--dir", _settings.RedisDirectory,
            "--appendonly", "yes", "--daemonize", "no", "--protected-mode", "yes", "--logfile", "",
        ];
        // The password goes in a config file only this user can read, never on the command line where ps shows it.
        if (password is not null) args = [PasswordConfig(password), .. args];
        return StartInfo(executable, args, _settings.RedisDirectory, new Dictionary<string, string>());
    }

    private string PasswordConfig(string password)
    {
        var path = Path.Combine(_settings.RedisDirectory, "queuectl-auth.conf");
        var quoted = "\"" + password.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var writer = new StreamWriter(path, System.Text.Encoding.UTF8, options)) writer.WriteLine($"requirepass {quoted}");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private ProcessStartInfo ApiStartInfo(string dotnet, string assembly)
    {
        var env = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = _settings.ApiUrl.ToString().TrimEnd('/'),
            ["REDIS_URL"] = _redisUrl,
            ["BACKUP_DIR"] = _settings.BackupDirectory,
            ["SPOOL_DIR"] = _settings.SpoolDirectory,
        };
        if (_settings.AdminApiKey is { Length: > 0 } key) env["QUEUE_ADMIN_API_KEY"] = key;
        return StartInfo(dotnet, [assembly], _settings.DataDirectory, env);
    }

    private ProcessStartInfo WorkerStartInfo(string dotnet, string assembly, string workerId)
    {
        var args = new List<string> { assembly, "--worker-id", workerId };
        if (_settings.Concurrency is { } concurrency) args.AddRange(["--concurrency", concurrency.ToString(CultureInfo.InvariantCulture)]);
        if (_settings.Queues is { Length: > 0 } queues) args.AddRange(["--queues", queues]);
        var env = new Dictionary<string, string> { ["REDIS_URL"] = _redisUrl, ["SPOOL_DIR"] = _settings.SpoolDirectory };
        return StartInfo(dotnet, args, _settings.DataDirectory, env);
    }

    /// <summary>
    /// A child's start: under <c>setsid</c> when there is one (it execs in place, so the pid is the child's),
    /// in <paramref name="workingDirectory"/>, with queuectl's environment plus <paramref name="environment"/>.
    /// </summary>
    private ProcessStartInfo StartInfo(string executable, IEnumerable<string> args, string workingDirectory, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(_setsid ?? executable) { WorkingDirectory = workingDirectory };
        if (_setsid is not null) info.ArgumentList.Add(executable);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        return info;
    }
}
