using System.CommandLine;
using System.Globalization;
using QueueCtl.Cli;

namespace QueueCtl.Monitor;

/// <summary><c>watch [--interval s] [--json]</c>: the live view until Ctrl+C.</summary>
internal static class WatchCommand
{
    /// <summary>The default refresh interval, in seconds.</summary>
    public const double DefaultIntervalSeconds = 2;

    /// <summary>The longest refresh interval accepted, in seconds (an hour).</summary>
    public const double MaxIntervalSeconds = 3600;

    /// <summary>The command.</summary>
    public static Command Create(GlobalOptions globals)
    {
        // 0.05 s is the floor: below it the view would only hammer the API.
        var interval = MonitorOptions.Number("--interval", 0.05, MaxIntervalSeconds,
            $"a number of seconds from 0.05 to {MaxIntervalSeconds.ToString(CultureInfo.InvariantCulture)}");
        interval.Description = $"Seconds between refreshes (default {DefaultIntervalSeconds.ToString(CultureInfo.InvariantCulture)}; fractions allowed).";
        interval.DefaultValueFactory = _ => DefaultIntervalSeconds;
        interval.HelpName = "s";
        var json = MonitorOptions.Json();
        json.Description = "Print one JSON object per refresh, one per line (at, stats, workers, processing, throughput).";
        var command = new Command("watch", "A live view of queue depths, processing tasks with progress, workers and throughput, refreshed until Ctrl+C.") { interval, json };
        command.SetAction((parsed, ct) => CommandRunner.RunAsync(parsed, globals, (client, ct) =>
        {
            var every = TimeSpan.FromSeconds(parsed.GetValue(interval));
            return parsed.GetValue(json)
                ? WatchView.RunJsonAsync(client, every, globals.Environment, ct)
                : WatchView.RunAsync(client, every, globals.Environment, ct);
        }, ct));
        return command;
    }
}
