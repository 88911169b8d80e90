using System.Diagnostics;
using System.Text.RegularExpressions;

namespace QueueBench;

/// <summary>What Redis itself allows on this machine: <c>redis-benchmark</c>'s EVALSHA rate, for scale.</summary>
internal static partial class RedisReference
{
    [GeneratedRegex(@"([0-9.,]+) requests per second")]
    private static partial Regex Rate();

    public static string EvalShaOpsPerSecond(string configuration)
    {
        var hostPort = configuration.Split(',')[0];
        var port = hostPort.Contains(':', StringComparison.Ordinal) ? hostPort[(hostPort.LastIndexOf(':') + 1)..] : "6379";
        var host = hostPort.Contains(':', StringComparison.Ordinal) ? hostPort[..hostPort.LastIndexOf(':')] : hostPort;
        var sha = Run("redis-cli", ["-h", host, "-p", port, "SCRIPT", "LOAD", "return redis.call('INCR',KEYS[1])"])?.Trim();
        if (string.IsNullOrEmpty(sha)) return "redis-cli not available (apt-get install redis-tools)";
        var parts = new List<string>();
        foreach (var clients in new[] { "50", "1" })
        {
            var output = Run("redis-benchmark", ["-h", host, "-p", port, "-q", "-n", clients == "1" ? "50000" : "200000", "-c", clients, "EVALSHA", sha, "1", "rq-bench-k"]);
            var match = output is null ? null : Rate().Matches(output).LastOrDefault();
            parts.Add($"redis-benchmark EVALSHA (INCR), {clients} client{(clients == "1" ? "" : "s")}: {match?.Groups[1].Value ?? "n/a"} ops/s");
        }
        return string.Join("; ", parts);
    }

    private static string? Run(string file, string[] args)
    {
        try
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) info.ArgumentList.Add(a);
            using var process = Process.Start(info);
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(120_000);
            return output.Replace('\r', '\n');
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
