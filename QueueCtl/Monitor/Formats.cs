using System.Globalization;
using QueueClient;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace QueueCtl.Monitor;

/// <summary>How the monitor commands write times, durations, statuses and progress: one style everywhere.</summary>
internal static class Formats
{
    /// <summary>A timestamp in UTC to the second, such as <c>2026-11-23 10:45:01Z</c>.</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary><see cref="Time(DateTimeOffset)"/>, or a dash for none.</summary>
    public static string Time(DateTimeOffset? at) => at is { } value ? Time(value) : "-";

    /// <summary>A duration for people: <c>850 ms</c>, <c>12.4 s</c>, <c>3m 05s</c>, <c>2h 07m</c>, <c>3d 04h</c>.</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        return span.TotalSeconds switch
        {
            < 1 => $"{span.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms",
            < 60 => $"{span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s",
            < 3600 => $"{(int)span.TotalMinutes}m {span.Seconds:00}s",
            < 86400 => $"{(int)span.TotalHours}h {span.Minutes:00}m",
            _ => $"{(int)span.TotalDays}d {span.Hours:00}h",
        };
    }

    /// <summary>A duration given in seconds, or a dash for none.</summary>
    public static string Seconds(double? seconds) => seconds is { } value ? Duration(TimeSpan.FromSeconds(value)) : "-";

    /// <summary>A whole number with thousands separators.</summary>
    public static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>A rate per minute with one decimal, or a dash when not known yet.</summary>
    public static string PerMinute(double? rate) => rate is { } value ? value.ToString("0.#", CultureInfo.InvariantCulture) + "/min" : "-";

    /// <summary>The status in the API's word, coloured: blue queued, grey scheduled and cancelled, yellow processing, green completed, red failed.</summary>
    public static Text Status(QueueTaskStatus status) => new(status.ToWire(), StatusStyle(status));

    /// <summary>The colour of <paramref name="status"/>.</summary>
    public static Style StatusStyle(QueueTaskStatus status) => status switch
    {
        QueueTaskStatus.Queued => new Style(Color.Blue),
        QueueTaskStatus.Scheduled => new Style(Color.Grey),
        QueueTaskStatus.Processing => new Style(Color.Yellow),
        QueueTaskStatus.Completed => new Style(Color.Green),
        QueueTaskStatus.Failed => new Style(Color.Red),
        QueueTaskStatus.Cancelled => new Style(Color.Grey),
        _ => Style.Plain,
    };

    /// <summary>A health status, coloured: green Healthy, yellow Degraded, red Unhealthy.</summary>
    public static Text Health(string status) => new(status, status switch
    {
        "Healthy" => new Style(Color.Green),
        "Degraded" => new Style(Color.Yellow),
        "Unhealthy" => new Style(Color.Red, decoration: Decoration.Bold),
        _ => Style.Plain,
    });

    /// <summary>
    /// A progress bar of <paramref name="width"/> cells and the percentage, such as <c>██████░░░░ 60%</c>
    /// (<c>######---- 60%</c> on a console without Unicode).
    /// </summary>
    public static IRenderable ProgressBar(int percent, bool unicode, int width = 20)
    {
        percent = Math.Clamp(percent, 0, 100);
        var filled = (int)Math.Round(width * percent / 100.0, MidpointRounding.AwayFromZero);
        var (done, left) = unicode ? ('█', '░') : ('#', '-');
        return new Markup($"[green]{new string(done, filled)}[/][grey]{new string(left, width - filled)}[/] {percent,3}%");
    }

    /// <summary>A plain cell (never parsed as markup: task ids, messages and errors come from outside).</summary>
    public static Text Plain(string? value) => new(string.IsNullOrEmpty(value) ? "-" : value);
}
