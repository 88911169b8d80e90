using System.Globalization;
using QueueClient;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace QueueCtl.Monitor;

/// <summary>Draws one refresh of the watch view: a header, queue depths with throughput, the processing tasks with progress bars, the workers.</summary>
internal static class WatchFrame
{
    /// <summary>
    /// The frame for <paramref name="sample"/>; <paramref name="failure"/> (when the latest refresh failed) is shown under
    /// the last good sample. <paramref name="unicode"/> picks the progress bar's characters.
    /// </summary>
    public static IRenderable Render(WatchSample sample, TimeSpan interval, IReadOnlyList<string>? failure, DateTimeOffset? failedAt, bool unicode)
    {
        var stats = sample.Stats;
        var parts = new List<IRenderable>
        {
            new Markup($"[bold]RedisQueue[/] · {Markup.Escape(stats.Store)} · {stats.Workers} live worker{(stats.Workers == 1 ? "" : "s")} · " +
                $"{stats.At.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}Z · every {Formats.Duration(interval)} · Ctrl+C to stop"),
            Queues(sample),
            Processing(sample, unicode),
            Workers(sample),
        };
        if (failure is { Count: > 0 })
        {
            var when = failedAt is { } at ? $" at {Formats.Time(at)}" : "";
            parts.Add(new Text($"The latest refresh{when} failed (showing the one before; retrying): {string.Join(" ", failure.Select(line => line.Trim()))}",
                new Style(Color.Red)));
        }
        return new Rows(parts);
    }

    private static Table Queues(WatchSample sample)
    {
        var table = new Table().Border(TableBorder.Simple).Title("Queues")
            .AddColumn(new TableColumn("Queue").NoWrap())
            .AddColumn(new TableColumn("Queued").RightAligned())
            .AddColumn(new TableColumn("Scheduled").RightAligned())
            .AddColumn(new TableColumn("Processing").RightAligned())
            .AddColumn(new TableColumn("Workers").RightAligned())
            .AddColumn(new TableColumn("Oldest").RightAligned())
            .AddColumn(new TableColumn("Done").RightAligned());
        void Row(string name, QueueFigures figures, double? perMinute, Style? style = null) => table.AddRow(
            new Text(name, style ?? Style.Plain), new Text(Formats.Count(figures.Queued)), new Text(Formats.Count(figures.Scheduled)),
            new Text(Formats.Count(figures.Processing)), new Text(Formats.Count(figures.Workers)),
            new Text(Formats.Seconds(figures.OldestQueuedAgeSeconds)), new Text(Formats.PerMinute(perMinute)));
        foreach (var (name, figures) in sample.Stats.Queues.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            double? rate = sample.Throughput?.Queues.TryGetValue(name, out var perMinute) == true ? perMinute : null;
            Row(name, figures, rate);
        }
        Row("total", sample.Stats.Totals, sample.Throughput?.PerMinute, new Style(decoration: Decoration.Bold));
        return table;
    }

    private static IRenderable Processing(WatchSample sample, bool unicode)
    {
        var page = sample.Processing;
        if (page.Items.Count == 0) return new Text("Nothing is processing.");
        var more = page.Total > page.Items.Count ? $" (first {page.Items.Count} of {page.Total})" : "";
        // The id (copied into show and cancel) is one word, so it never wraps; the note goes under it, in the id's width,
        // which keeps the table inside 80 columns however long the handler's progress message is.
        var table = new Table().Border(TableBorder.Simple).Title($"Processing{more}")
            .AddColumn("Task")
            .AddColumn(new TableColumn("Progress").NoWrap())
            .AddColumn(new TableColumn("Running").RightAligned().NoWrap());
        foreach (var task in page.Items)
        {
            var running = task.StartedAt is { } started ? Formats.Duration(sample.At - started) : "-";
            var note = string.Join(" · ", new[]
            {
                task.Type,
                task.WorkerId is { } worker ? $"on {worker}" : null,
                task.CancelRequested ? "cancel requested" : null,
                task.Progress?.Message,
            }.Where(part => !string.IsNullOrEmpty(part)));
            table.AddRow(new Rows(Formats.Plain(task.Id), new Text(note, new Style(Color.Grey))),
                Formats.ProgressBar(task.Progress?.Percent ?? 0, unicode, width: 10), new Text(running));
        }
        return table;
    }

    private static IRenderable Workers(WatchSample sample)
    {
        var workers = sample.Workers;
        if (workers.Items.Count == 0) return new Text("No live workers.");
        var table = new Table().Border(TableBorder.Simple).Title("Workers")
            .AddColumn(new TableColumn("Worker").NoWrap())
            .AddColumn("Queues")
            .AddColumn(new TableColumn("Busy").RightAligned())
            .AddColumn(new TableColumn("Last seen").RightAligned().NoWrap());
        foreach (var worker in workers.Items)
        {
            table.AddRow(Formats.Plain(worker.Id), Formats.Plain(string.Join(", ", worker.Queues)),
                new Text(string.Create(CultureInfo.InvariantCulture, $"{worker.CurrentTasks.Count}/{worker.Concurrency}")),
                new Text($"{Formats.Duration(sample.At - worker.LastSeen)} ago"));
        }
        return table;
    }
}
