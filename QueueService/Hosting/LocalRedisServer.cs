using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace QueueService.Hosting;

/// <summary>
/// A <c>redis-server</c> from PATH on a free loopback port with its own data directory, for
/// tests, benchmarks and the local orchestrator. Loopback only; killed and cleaned up on dispose.
/// </summary>
public sealed class LocalRedisServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly bool _deleteDirectory;

    private LocalRedisServer(Process process, int port, string directory, bool deleteDirectory)
    {
        _process = process;
        Port = port;
        DataDirectory = directory;
        _deleteDirectory = deleteDirectory;
    }

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>Its working directory (dump/AOF files when persistence is on).</summary>
    public string DataDirectory { get; }

    /// <summary>A StackExchange.Redis configuration string for it.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>True when a <c>redis-server</c> executable is on PATH.</summary>
    public static bool IsInstalled() => QueueEnvironment.FindExecutable("redis-server") is not null;

    /// <summary>Starts a server and waits until it answers PING.</summary>
    /// <param name="persistent">False (default): no RDB, no AOF. True: AOF every second, RDB on the default schedule.</param>
    /// <param name="dataDirectory">Where its files go; null makes a temp directory that is deleted on dispose.</param>
    /// <param name="startTimeout">How long to wait for PING (default 10 s).</param>
    /// <param name="time">The clock for the start deadline (default: the system clock).</param>
    /// <param name="port">The port to listen on (a restart on the port of a stopped server); null picks a free one.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="InvalidOperationException">redis-server is not on PATH, exits, or does not answer in time; the message says how to fix it.</exception>
    public static async Task<LocalRedisServer> StartAsync(bool persistent = false, string? dataDirectory = null,
        TimeSpan? startTimeout = null, TimeProvider? time = null, int? port = null, CancellationToken cancellationToken = default)
    {
        time ??= TimeProvider.System;
        var executable = QueueEnvironment.FindExecutable("redis-server") ?? throw new InvalidOperationException(
            "redis-server is not installed. Install it with 'apt-get install redis-server' (Debian/Ubuntu), " +
            "or point the tests at a running server with REDIS_TEST_URL=host:port.");
        var deleteDirectory = dataDirectory is null;
        var directory = dataDirectory ?? Directory.CreateTempSubdirectory("redisqueue-redis-").FullName;
        Directory.CreateDirectory(directory);
        var deadline = time.GetUtcNow() + (startTimeout ?? TimeSpan.FromSeconds(10));
        Exception? last = null;
        // A free port can be taken between probing and binding; try a few.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var listenPort = port ?? FreeLoopbackPort();
            var process = Start(executable, listenPort, directory, persistent);
            try
            {
                await WaitForPingAsync(process, listenPort, deadline, time, cancellationToken).ConfigureAwait(false);
                return new LocalRedisServer(process, listenPort, directory, deleteDirectory);
            }
            catch (InvalidOperationException ex)
            {
                last = ex;
                Kill(process);
            }
        }
        throw new InvalidOperationException($"redis-server did not start: {last?.Message}", last);
    }

    // Runs redis-server under a small shell that waits for it and, beside it, watches this process: if this process
    // dies without stopping the server (a test host killed at the end of a run), the server is killed within a
    // second instead of being left behind. The shell exits with the server's code; killing the tree stops all three.
    private const string Watchdog =
        "owner=$1; shift; \"$@\" & r=$!; " +
        "( while kill -0 \"$owner\" 2>/dev/null && kill -0 $$ 2>/dev/null; do sleep 1; done; kill -9 \"$r\" 2>/dev/null ) & " +
        "wait \"$r\"";

    private static Process Start(string executable, int port, string directory, bool persistent)
    {
        var watched = !OperatingSystem.IsWindows() && File.Exists("/bin/sh");
        var info = new ProcessStartInfo(watched ? "/bin/sh" : executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        if (watched)
        {
            foreach (var arg in new[] { "-c", Watchdog, "redis-watchdog", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), executable })
                info.ArgumentList.Add(arg);
        }
        foreach (var arg in new[] { "--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--dir", directory, "--protected-mode", "yes", "--daemonize", "no", "--logfile", "" })
            info.ArgumentList.Add(arg);
        if (persistent)
            foreach (var arg in new[] { "--appendonly", "yes", "--appendfsync", "everysec" }) info.ArgumentList.Add(arg);
        else
            foreach (var arg in new[] { "--save", "", "--appendonly", "no" }) info.ArgumentList.Add(arg);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start redis-server");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitForPingAsync(Process process, int port, DateTimeOffset deadline, TimeProvider time, CancellationToken cancellationToken)
    {
        while (time.GetUtcNow() < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
                throw new InvalidOperationException($"redis-server exited with code {process.ExitCode} on port {port}");
            if (await PingAsync(port, cancellationToken).ConfigureAwait(false)) return;
            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken).ConfigureAwait(false);
        }
        throw new InvalidOperationException($"redis-server on port {port} did not answer PING in time");
    }

    private static async Task<bool> PingAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            return read >= 5 && System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>A port on 127.0.0.1 that was free a moment ago.</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        process.Dispose();
    }

    /// <summary>Stops the server (SIGKILL: tests and benchmarks keep nothing) and deletes a temp data directory.</summary>
    public ValueTask DisposeAsync()
    {
        Kill(_process);
        if (_deleteDirectory)
        {
            try { Directory.Delete(DataDirectory, recursive: true); }
            catch (IOException) { /* best effort: a temp directory */ }
            catch (UnauthorizedAccessException) { /* best effort */ }
        }
        return ValueTask.CompletedTask;
    }
}
