using QueueService.Hosting;
using QueueService.Tests.Support;
using QueueWorker.Tests.Process;

namespace SystemTests.Support;

/// <summary>
/// A real QueueHttpApi process on a free loopback port, started from its own build output in a temp
/// working directory. With <c>REDIS_URL</c> in its environment it runs on that Redis; without, it is the
/// embedded single-process service on the in-memory store. Killed on dispose if still running.
/// </summary>
internal sealed class ApiProcess : IAsyncDisposable
{
    private ApiProcess(WorkerProcess process, Uri baseAddress)
    {
        Process = process;
        BaseAddress = baseAddress;
    }

    /// <summary>The process: its log lines, signals, exit.</summary>
    public WorkerProcess Process { get; }

    /// <summary><c>http://127.0.0.1:port</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>
    /// Launches the process with <paramref name="environment"/> (plus <c>ASPNETCORE_URLS</c>) on
    /// <paramref name="baseAddress"/>, or on a free loopback port when none is given (a restarted API takes
    /// its predecessor's, as a service behind a fixed address would); does not wait for it.
    /// </summary>
    public static ApiProcess Launch(IReadOnlyDictionary<string, string?> environment, Uri? baseAddress = null)
    {
        baseAddress ??= new Uri($"http://127.0.0.1:{LocalRedisServer.FreeLoopbackPort()}");
        var env = new Dictionary<string, string?>(environment) { ["ASPNETCORE_URLS"] = baseAddress.ToString().TrimEnd('/') };
        return new ApiProcess(WorkerProcess.StartHost(ApiAssembly(), env), baseAddress);
    }

    /// <summary>Launches the process and waits until <c>/health</c> answers 200 (see <see cref="WaitHealthyAsync"/>).</summary>
    public static async Task<ApiProcess> StartAsync(IReadOnlyDictionary<string, string?> environment)
    {
        var api = Launch(environment);
        try
        {
            await api.WaitHealthyAsync(QueueSystem.StartPatience);
            return api;
        }
        catch
        {
            await api.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Waits until <c>/health</c> answers 200. By then the start-up restore is decided: the backup service
    /// restores before any hosted service starts, the web server included.
    /// </summary>
    public async Task WaitHealthyAsync(TimeSpan within)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            await Eventually.TrueAsync(async ct =>
            {
                if (Process.HasExited) throw new InvalidOperationException($"the API exited:\n{Process.Output}");
                using var response = await http.GetAsync(new Uri("/health", UriKind.Relative), ct);
                return response.IsSuccessStatusCode;
            }, within, "the API should answer /health with 200 once its store is reachable");
        }
        catch (Xunit.Sdk.XunitException ex)
        {
            throw new Xunit.Sdk.XunitException($"{ex.Message}\nThe API's output so far:\n{Process.Output}");
        }
    }

    /// <summary>GETs <paramref name="path"/> and returns the body; fails the test on a non-2xx answer.</summary>
    public async Task<string> GetStringAsync(string path)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        return await http.GetStringAsync(new Uri(path, UriKind.Relative));
    }

    /// <summary>
    /// SIGTERM, as a container runtime sends it, and asserts the process exits with 0 within
    /// <paramref name="within"/>. Afterwards its output is complete (the shutdown backup's line included).
    /// </summary>
    public async Task StopAsync(TimeSpan within)
    {
        Process.Terminate();
        (await Process.WaitForExitAsync(within)).Should().Be(0, "SIGTERM is a graceful stop. Output:\n" + Process.Output);
    }

    /// <summary>
    /// QueueHttpApi.dll in its own build output (<c>QueueHttpApi/bin/&lt;configuration&gt;/&lt;tfm&gt;/</c>), built with
    /// the same configuration as this test assembly (SystemTests.csproj references the project for the build order).
    /// </summary>
    private static string ApiAssembly()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var (framework, configuration) = (output.Name, output.Parent!.Name);
        for (var dir = output; dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "RedisQueue.sln"))) continue;
            var api = Path.Combine(dir.FullName, "QueueHttpApi", "bin", configuration, framework, "QueueHttpApi.dll");
            return File.Exists(api) ? api : throw new InvalidOperationException($"{api} is missing: build the solution (dotnet build -c {configuration}).");
        }
        throw new InvalidOperationException($"No RedisQueue.sln above {AppContext.BaseDirectory}.");
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
