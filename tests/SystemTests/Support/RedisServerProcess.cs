using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using QueueService.Hosting;

namespace SystemTests.Support;

/// <summary>
/// A <c>redis-server</c> from PATH that a test can kill and start again on the same loopback port and
/// data directory, with the AOF fsynced on every write (<c>appendfsync always</c>): a write Redis
/// acknowledged survives a kill, as it would on a production server configured for durability.
/// </summary>
/// <remarks>
/// Not <see cref="LocalRedisServer"/>: that one picks a new port on every start, fsyncs once a second
/// and cannot restart. Missing <c>redis-server</c> fails the test saying how to fix it; never a skip.
/// </remarks>
internal sealed class RedisServerProcess : IAsyncDisposable
{
    private const string HowToFix =
        "The system tests start their own redis-server: install it with 'apt-get install redis-server' (./test.sh does, as root).";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly string _executable;
    private readonly List<string> _log = [];
    private Process? _process;

    private RedisServerProcess(string executable, int port, string dataDirectory)
    {
        _executable = executable;
        Port = port;
        DataDirectory = dataDirectory;
    }

    /// <summary>The loopback port, the same across restarts.</summary>
    public int Port { get; }

    /// <summary>The data directory (the AOF), the same across restarts.</summary>
    public string DataDirectory { get; }

    /// <summary>host:port, for StackExchange.Redis.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>The URL a worker or the API takes in <c>REDIS_URL</c>.</summary>
    public string Url => $"redis://127.0.0.1:{Port}";

    /// <summary>True while the server process is alive.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>What redis-server printed, for failure messages.</summary>
    public string Log
    {
        get { lock (_log) return string.Join(Environment.NewLine, _log); }
    }

    /// <summary>Starts a server on a free loopback port in a new temp directory and waits until it answers PING.</summary>
    /// <exception cref="InvalidOperationException">redis-server is missing or does not start; the message says how to fix it.</exception>
    public static async Task<RedisServerProcess> StartAsync()
    {
        var executable = QueueEnvironment.FindExecutable("redis-server")
            ?? throw new InvalidOperationException($"redis-server is not on PATH. {HowToFix}");
        var directory = Directory.CreateTempSubdirectory("rq-system-redis-").FullName;
        Exception? last = null;
        // A port free a moment ago can be taken before redis-server binds it: try a few.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var server = new RedisServerProcess(executable, LocalRedisServer.FreeLoopbackPort(), directory);
            try
            {
                await server.StartAgainAsync();
                return server;
            }
            catch (InvalidOperationException ex)
            {
                last = ex;
                server.Kill();
            }
        }
        TryDelete(directory);
        throw new InvalidOperationException($"redis-server did not start: {last?.Message} {HowToFix}", last);
    }

    /// <summary>Starts the server again on the same port and data directory (it replays its AOF) and waits for PING.</summary>
    /// <exception cref="InvalidOperationException">It is still running, or does not answer in time.</exception>
    public async Task StartAgainAsync()
    {
        if (IsRunning) throw new InvalidOperationException("redis-server is still running");
        _process?.Dispose();
        var info = new ProcessStartInfo(_executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = DataDirectory,
        };
        foreach (var arg in new[]
                 {
                     "--bind", "127.0.0.1", "--port", Port.ToString(CultureInfo.InvariantCulture), "--dir", DataDirectory,
                     "--protected-mode", "yes", "--daemonize", "no", "--logfile", "",
                     "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                 })
            info.ArgumentList.Add(arg);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start redis-server");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var deadline = new CancellationTokenSource(StartTimeout);
        while (!await PingAsync(deadline.Token))
        {
            if (process.HasExited)
                throw new InvalidOperationException($"redis-server exited with code {process.ExitCode} on port {Port}: {Log}");
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not answer PING within {StartTimeout}: {Log}");
            }
        }
    }

    /// <summary>SIGKILL, as a crash or an OOM kill would end it; returns once the process is gone. Its AOF stays.</summary>
    public void Kill()
    {
        if (_process is null) return;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>
    /// Deletes everything in the data directory (the AOF): the next <see cref="StartAgainAsync"/> is an empty
    /// server, as a Redis container started again without its volume would be.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server is still running.</exception>
    public void DeleteData()
    {
        if (IsRunning) throw new InvalidOperationException("redis-server is still running: kill it before deleting its data");
        foreach (var entry in new DirectoryInfo(DataDirectory).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo directory) directory.Delete(recursive: true);
            else entry.Delete();
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.Add(line);
    }

    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, cancellationToken);
            // -LOADING while the AOF replays: not ready yet.
            return read >= 5 && System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private static void TryDelete(string directory)
    {
        try { Directory.Delete(directory, recursive: true); }
        catch (IOException) { /* best effort: a temp directory */ }
        catch (UnauthorizedAccessException) { /* best effort */ }
    }

    /// <summary>Kills the server and deletes its data directory.</summary>
    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        TryDelete(DataDirectory);
        return ValueTask.CompletedTask;
    }
}
