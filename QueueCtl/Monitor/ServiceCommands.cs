using System.CommandLine;
using System.Globalization;
using QueueClient;
using QueueCtl.Cli;
using Spectre.Console;

namespace QueueCtl.Monitor;

/// <summary><c>stats</c>, <c>workers</c> and <c>health</c>: what the service says about itself.</summary>
internal static class ServiceCommands
{
    /// <summary><c>stats [--json]</c>: <c>GET /stats</c>.</summary>
    public static Command Stats(GlobalOptions globals)
    {
        var json = MonitorOptions.Json();
        var command = new Command("stats", "Show queue depths, retained and lifetime counts, workers and timings per queue.") { json };
        command.SetAction((parsed, ct) => CommandRunner.RunAsync(parsed, globals, async (client, ct) =>
        {
            var stats = await client.GetStatsAsync(ct);
            if (parsed.GetValue(json)) await JsonOutput.WriteAsync(globals.Environment, stats);
            else WriteStats(globals.Environment.Out, stats);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary><c>workers [--json]</c>: <c>GET /workers</c>.</summary>
    public static Command Workers(GlobalOptions globals)
    {
        var json = MonitorOptions.Json();
        var command = new Command("workers", "List the live workers: queues, concurrency, current tasks, last heartbeat.") { json };
        command.SetAction((parsed, ct) => CommandRunner.RunAsync(parsed, globals, async (client, ct) =>
        {
            var workers = await client.GetWorkersAsync(ct);
            if (parsed.GetValue(json)) await JsonOutput.WriteAsync(globals.Environment, workers);
            else WriteWorkers(globals.Environment.Out, workers);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary><c>health [--json]</c>: <c>GET /health</c>; exit 1 when Unhealthy (Degraded is 0: the service still works).</summary>
    public static Command Health(GlobalOptions globals)
    {
        var json = MonitorOptions.Json();
        var command = new Command("health", "Show the service's health checks; exits with 1 when it is Unhealthy.") { json };
        command.SetAction((parsed, ct) => CommandRunner.RunAsync(parsed, globals, async (client, ct) =>
        {
            var health = await client.GetHealthAsync(ct);
            // The API's shape only: HealthReport's convenience IsHealthy is not part of the wire format.
            if (parsed.GetValue(json)) await JsonOutput.WriteAsync(globals.Environment, new { health.Status, health.TotalDurationMs, health.Checks });
            else WriteHealth(globals.Environment.Out, health);
            return health.Status == "Unhealthy" ? ExitCodes.Failure : ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>
    /// The stats as a table with a column per queue and one for the totals, a row per figure (queues are few and
    /// figures many, so this fits an 80-column terminal).
    /// </summary>
    public static void WriteStats(IAnsiConsole console, QueueStats stats)
    {
        console.WriteLine($"Store {stats.Store}, {stats.Workers} live worker{(stats.Workers == 1 ? "" : "s")}, at {Formats.Time(stats.At)}.");
        var queues = stats.Queues.OrderBy(pair => pair.Key, StringComparer.Ordinal).ToList();
        var table = new Table().Border(TableBorder.Simple).AddColumn("");
        foreach (var (name, _) in queues) table.AddColumn(new TableColumn(Markup.Escape(name)).RightAligned());
        table.AddColumn(new TableColumn("total").RightAligned());
        var columns = queues.Select(pair => pair.Value).Append(stats.Totals).ToList();
        void Row(string label, Func<QueueFigures, string> value) =>
            table.AddRow(columns.Select(value).Select(text => (Spectre.Console.Rendering.IRenderable)new Text(text)).Prepend(new Text(label)));
        Row("queued", f => Formats.Count(f.Queued));
        Row("scheduled", f => Formats.Count(f.Scheduled));
        Row("processing", f => Formats.Count(f.Processing));
        Row("completed", f => Formats.Count(f.Completed));
        Row("failed", f => Formats.Count(f.Failed));
        Row("cancelled", f => Formats.Count(f.Cancelled));
        Row("workers", f => Formats.Count(f.Workers));
        Row("oldest queued", f => Formats.Seconds(f.OldestQueuedAgeSeconds));
        Row("avg processing", f => Formats.Seconds(f.AverageProcessingSeconds));
        Row("enqueued ever", f => Formats.Count(f.EnqueuedTotal));
        Row("completed ever", f => Formats.Count(f.CompletedTotal));
        Row("failed ever", f => Formats.Count(f.FailedTotal));
        console.Write(table);
        console.WriteLine("completed, failed, cancelled: still retained; \"ever\": lifetime counters.");
    }

    /// <summary>The workers as a table, or a line saying there are none.</summary>
    public static void WriteWorkers(IAnsiConsole console, WorkerList workers)
    {
        if (workers.Items.Count == 0)
        {
            console.WriteLine("No live workers.");
            return;
        }
        // Their current task ids are in `--json` and `list --status processing`: at 36 characters each they would crowd out the rest.
        var now = TimeProvider.System.GetUtcNow();
        var table = new Table().Border(TableBorder.Simple)
            .AddColumn(new TableColumn("Id").NoWrap())
            .AddColumn("Host")
            .AddColumn(new TableColumn("Pid").RightAligned())
            .AddColumn("Queues")
            .AddColumn(new TableColumn("Busy").RightAligned().NoWrap())
            .AddColumn(new TableColumn("Up").RightAligned().NoWrap())
            .AddColumn(new TableColumn("Last seen").RightAligned().NoWrap());
        foreach (var worker in workers.Items)
        {
            table.AddRow(Formats.Plain(worker.Id), Formats.Plain(worker.Host), new Text(worker.Pid.ToString(CultureInfo.InvariantCulture)),
                Formats.Plain(string.Join(", ", worker.Queues)), new Text($"{worker.CurrentTasks.Count}/{worker.Concurrency}"),
                new Text(Formats.Duration(now - worker.StartedAt)), new Text($"{Formats.Duration(now - worker.LastSeen)} ago"));
        }
        console.Write(table);
        console.WriteLine($"{workers.Total} live worker{(workers.Total == 1 ? "" : "s")}.");
    }

    private static void WriteHealth(IAnsiConsole console, HealthReport health)
    {
        console.Write(new Markup($"Status: "));
        console.Write(Formats.Health(health.Status));
        console.WriteLine($" ({health.TotalDurationMs.ToString("0.#", CultureInfo.InvariantCulture)} ms)");
        var table = new Table().Border(TableBorder.Simple)
            .AddColumn(new TableColumn("Check").NoWrap())
            .AddColumn(new TableColumn("Status").NoWrap())
            .AddColumn("Description");
        foreach (var (name, check) in health.Checks.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            table.AddRow(Formats.Plain(name), Formats.Health(check.Status), Formats.Plain(check.Description));
        console.Write(table);
    }
}
