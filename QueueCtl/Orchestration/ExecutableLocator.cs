namespace QueueCtl.Orchestration;

/// <summary>
/// Finds what the stack runs: <c>redis-server</c> and the <c>dotnet</c> host on <c>PATH</c> (as
/// <see cref="CliEnvironment.GetVariable"/> reads it, nothing added), and the API and worker assemblies:
/// the option, else an environment variable, else the repository's build output.
/// </summary>
internal sealed class ExecutableLocator(CliEnvironment environment)
{
    /// <summary>The environment variable naming QueueHttpApi.dll.</summary>
    public const string ApiVariable = "QUEUECTL_API_DLL";

    /// <summary>The environment variable naming QueueWorker.dll.</summary>
    public const string WorkerVariable = "QUEUECTL_WORKER_DLL";

    private const string Solution = "RedisQueue.sln";

    // setsid lives in /usr/bin (util-linux) even when PATH is trimmed.
    private static readonly string[] SetsidFallbacks = ["/usr/bin/setsid", "/bin/setsid"];

    /// <summary>The full path of <paramref name="name"/> in a <c>PATH</c> directory, or null.</summary>
    public string? FindOnPath(string name)
    {
        var path = environment.GetVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary><c>redis-server</c> on PATH.</summary>
    /// <exception cref="StackStartException">It is not there; the message says how to install it.</exception>
    public string RedisServer() =>
        FindOnPath("redis-server") ?? throw new StackStartException(
            "no Redis answers and redis-server is not on PATH: install it (apt-get install redis-server), or point --redis-url / REDIS_URL at a running Redis.");

    /// <summary>The <c>dotnet</c> host: <c>DOTNET_HOST_PATH</c>, else <c>dotnet</c> on PATH.</summary>
    /// <exception cref="StackStartException">Neither is there.</exception>
    public string DotnetHost()
    {
        if (environment.GetVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        return FindOnPath(OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet")
            ?? throw new StackStartException("the dotnet host is not on PATH (nor in DOTNET_HOST_PATH): install the .NET 10 runtime.");
    }

    /// <summary><c>setsid</c>, to start children in their own session so a terminal's Ctrl+C reaches queuectl only; null where there is none.</summary>
    public string? Setsid() =>
        OperatingSystem.IsWindows() ? null : FindOnPath("setsid") ?? SetsidFallbacks.FirstOrDefault(File.Exists);

    /// <summary>QueueHttpApi.dll: <paramref name="option"/>, else <c>QUEUECTL_API_DLL</c>, else the repository's build output.</summary>
    /// <exception cref="StackStartException">The file given does not exist, or no build output was found; the message says what to build.</exception>
    public string ApiAssembly(string? option) => HostAssembly(option, "--api", ApiVariable, "QueueHttpApi");

    /// <summary>QueueWorker.dll: <paramref name="option"/>, else <c>QUEUECTL_WORKER_DLL</c>, else the repository's build output.</summary>
    /// <exception cref="StackStartException">The file given does not exist, or no build output was found; the message says what to build.</exception>
    public string WorkerAssembly(string? option) => HostAssembly(option, "--worker", WorkerVariable, "QueueWorker");

    private string HostAssembly(string? option, string optionName, string variable, string project)
    {
        if (!string.IsNullOrWhiteSpace(option))
            return File.Exists(option) ? Path.GetFullPath(option) : throw new StackStartException($"{optionName} {option}: no such file.");
        if (environment.GetVariable(variable) is { Length: > 0 } fromVariable)
            return File.Exists(fromVariable) ? Path.GetFullPath(fromVariable) : throw new StackStartException($"{variable}={fromVariable}: no such file.");

        var (configurations, framework) = BuildFlavours();
        var solutions = new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory }
            .Select(FindSolutionDirectory).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        foreach (var root in solutions)
        foreach (var configuration in configurations)
        {
            var candidate = Path.Combine(root, project, "bin", configuration, framework, project + ".dll");
            if (File.Exists(candidate)) return candidate;
        }
        var where = solutions.Count > 0
            ? $"build it (dotnet build {Path.Combine(solutions[0], project)} -c {configurations[0]})"
            : $"run queuectl inside the RedisQueue repository after building it (dotnet build -c {configurations[0]})";
        throw new StackStartException($"{project}.dll not found: {where}, or pass {optionName} <path> / set {variable}.");
    }

    /// <summary>Configurations to look in, queuectl's own first (when it runs from a build output), and its target framework.</summary>
    private static (string[] Configurations, string Framework) BuildFlavours()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = output.Name.StartsWith("net", StringComparison.Ordinal) ? output.Name : "net10.0";
        var own = output.Parent?.Parent?.Name == "bin" ? output.Parent.Name : null;
        var configurations = new[] { own, "Release", "Debug" }.OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        return (configurations, framework);
    }

    private static string? FindSolutionDirectory(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, Solution))) return dir.FullName;
        return null;
    }
}
