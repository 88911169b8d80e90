using System.CommandLine;
using QueueClient;
using QueueCtl.Cli;
using Spectre.Console;

namespace QueueCtl.Monitor;

/// <summary><c>list</c>, <c>show</c>, <c>cancel</c> and <c>retry</c>: the task endpoints.</summary>
internal static class TaskCommands
{
    private static readonly string[] Statuses = ["queued", "scheduled", "processing", "completed", "failed", "cancelled"];

    /// <summary><c>list [--status s] [--type t] [--limit n] [--offset n] [--json]</c>: <c>GET /tasks</c>.</summary>
    public static Command List(GlobalOptions globals)
    {
        var status = new Option<string?>("--status") { Description = "Only tasks in this status.", HelpName = "status" };
        MonitorOptions.OneOf(status, Statuses);
        var type = new Option<string?>("--type") { Description = "Only tasks of this queue (transcription, risk-detection, …).", HelpName = "queue" };
        var limit = MonitorOptions.WholeNumber("--limit", 1, 500, "a whole number from 1 to 500");
        limit.Description = "Page size, 1–500 (the server's default: 50).";
        limit.HelpName = "n";
        var offset = MonitorOptions.WholeNumber("--offset", 0, int.MaxValue, "a whole number, 0 or more");
        offset.Description = "Tasks to skip (default 0).";
        offset.HelpName = "n";
        var json = MonitorOptions.Json();
        var command = new Command("list", "List tasks, newest first (or in run order with --status queued).") { status, type, limit, offset, json };
        command.SetAction((parsed, ct) => CommandRunner.RunAsync(parsed, globals, async (client, ct) =>
        {
            var query = new TaskListQuery
            {
                Status = parsed.GetValue(status) is { } wire ? QueueTaskStatusExtensions.Parse(wire.ToLowerInvariant()) : null,
                Type = parsed.GetValue(type),
                Limit = parsed.GetValue(limit),
                Offset = parsed.GetValue(offset),
            };
            var page = await client.ListTasksAsync(query, ct);
            if (parsed.GetValue(json)) await JsonOutput.WriteAsync(globals.Environment, page);
            else WriteList(globals.Environment.Out, page);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary><c>show &lt;id&gt; [--json]</c>: <c>GET /tasks/{id}</c>.</summary>
    public static Command Show(GlobalOptions globals)
    {
        var id = MonitorOptions.TaskId();
        var json = MonitorOptions.Json();
        var command = new Command("show", "Show one task: status, attempts, progress, payload, result and errors.") { id, json };
        command.SetAction((parsed, ct) => CommandRunner.RunAsync(parsed, globals, async (client, ct) =>
        {
            var task = await client.GetTaskAsync(parsed.GetRequiredValue(id), ct);
            if (parsed.GetValue(json)) await JsonOutput.WriteAsync(globals.Environment, task);
            else TaskDetails.Write(globals.Environment.Out, task);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary><c>cancel &lt;id&gt; [--json]</c>: <c>DELETE /tasks/{id}</c>.</summary>
    public static Command Cancel(GlobalOptions globals)
    {
        var id = MonitorOptions.TaskId();
        var json = MonitorOptions.Json();
        var command = new Command("cancel", "Cancel a queued or scheduled task, or ask a processing one to stop.") { id, json };
        command.SetAction((parsed, ct) => CommandRunner.RunAsync(parsed, globals, async (client, ct) =>
        {
            var task = await client.CancelAsync(parsed.GetRequiredValue(id), ct);
            if (parsed.GetValue(json)) await JsonOutput.WriteAsync(globals.Environment, task);
            else globals.Environment.Out.WriteLine(task.Status == QueueTaskStatus.Cancelled
                ? $"Task {task.Id} is cancelled."
                : $"Task {task.Id} is {task.Status.ToWire()}; its worker was asked to stop it and will at its next heartbeat.");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary><c>retry &lt;id&gt; [--json]</c>: <c>POST /tasks/{id}/retry</c>.</summary>
    public static Command Retry(GlobalOptions globals)
    {
        var id = MonitorOptions.TaskId();
        var json = MonitorOptions.Json();
        var command = new Command("retry", "Queue a failed or cancelled task again (attempts restart, its error history is kept).") { id, json };
        command.SetAction((parsed, ct) => CommandRunner.RunAsync(parsed, globals, async (client, ct) =>
        {
            var task = await client.RetryAsync(parsed.GetRequiredValue(id), ct);
            if (parsed.GetValue(json)) await JsonOutput.WriteAsync(globals.Environment, task);
            else globals.Environment.Out.WriteLine(task.QueuePosition is { } position
                ? $"Task {task.Id} is {task.Status.ToWire()} again, position {position} in {task.Type}."
                : $"Task {task.Id} is {task.Status.ToWire()} again.");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>The page as a table (one task per row, ids never wrapped), or a line saying nothing matches.</summary>
    public static void WriteList(IAnsiConsole console, TaskPage page)
    {
        if (page.Items.Count == 0)
        {
            console.WriteLine(page.Total == 0 ? "No tasks match." : $"No tasks on this page ({Formats.Count(page.Total)} match; offset {page.Offset}).");
            return;
        }
        // Id, status and age never wrap, and the note (queue first) takes what is left and wraps: so 80 columns, what
        // Spectre.Console assumes when output is redirected, still hold a readable table. The rest is in `show` and `--json`.
        var now = TimeProvider.System.GetUtcNow();
        var table = new Table().Border(TableBorder.Simple)
            .AddColumn(new TableColumn("Id").NoWrap())
            .AddColumn(new TableColumn("Status").NoWrap())
            .AddColumn(new TableColumn("Age").RightAligned().NoWrap())
            .AddColumn("Note");
        foreach (var task in page.Items)
            table.AddRow(Formats.Plain(task.Id), Formats.Status(task.Status), new Text(Formats.Duration(now - task.CreatedAt)), Formats.Plain(Note(task)));
        console.Write(table);
        var first = page.Offset + 1;
        var last = page.Offset + page.Items.Count;
        var more = last < page.Total ? $" Next page: --offset {last}." : "";
        console.WriteLine($"Tasks {first}–{last} of {Formats.Count(page.Total)}.{more}");
    }

    // One short line on what matters for the task's status.
    private static string Note(QueueTask task)
    {
        string?[] parts = task.Status switch
        {
            QueueTaskStatus.Queued => [task.QueuePosition is { } position ? $"position {position}" : null, task.Priority != 0 ? $"priority {task.Priority}" : null],
            QueueTaskStatus.Scheduled => [task.ScheduledFor is { } due ? $"due {Formats.Time(due)}" : null, task.Attempts > 0 ? $"after attempt {task.Attempts}" : null],
            QueueTaskStatus.Processing => [task.Progress is { } progress ? $"{progress.Percent}%" : "started", task.WorkerId is { } worker ? $"on {worker}" : null,
                task.CancelRequested ? "cancel requested" : null],
            QueueTaskStatus.Failed => [$"after {task.Attempts} attempt{(task.Attempts == 1 ? "" : "s")}: {task.Error}"],
            _ => [],
        };
        return string.Join(", ", parts.Where(part => !string.IsNullOrEmpty(part)).Prepend(task.Type));
    }
}
