using System.Globalization;
using System.Text.Json;
using QueueClient;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace QueueCtl.Monitor;

/// <summary>The human view of one task (<c>queuectl show</c>): a field per line, then its error history.</summary>
internal static class TaskDetails
{
    /// <summary>Writes <paramref name="task"/> to <paramref name="console"/>.</summary>
    public static void Write(IAnsiConsole console, QueueTask task)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        void Row(string label, IRenderable value) => grid.AddRow(new Text(label, new Style(decoration: Decoration.Bold)), value);
        void Field(string label, string? value) { if (!string.IsNullOrEmpty(value)) Row(label, new Text(value)); }

        Field("Id", task.Id);
        Field("Type", task.Type);
        Row("Status", task.CancelRequested
            ? new Markup($"{Markup.Escape(task.Status.ToWire())} [yellow](cancel requested)[/]", Formats.StatusStyle(task.Status))
            : Formats.Status(task.Status));
        Field("Priority", task.Priority.ToString(CultureInfo.InvariantCulture));
        Field("Attempts", $"{task.Attempts} of {task.MaxRetries + 1}");
        if (task.QueuePosition is { } position) Field("Position", position.ToString(CultureInfo.InvariantCulture));
        if (task.EstimatedWaitSeconds is { } wait) Field("Estimated wait", Formats.Seconds(wait));
        Field("Created", Formats.Time(task.CreatedAt));
        if (task.ScheduledFor is { } due) Field("Scheduled for", Formats.Time(due));
        if (task.StartedAt is { } started) Field("Started", Formats.Time(started));
        if (task.CompletedAt is { } completed) Field("Finished", Formats.Time(completed));
        Field("Updated", Formats.Time(task.UpdatedAt));
        Field("Worker", task.WorkerId);
        if (task.Progress is { } progress)
        {
            var bar = Formats.ProgressBar(progress.Percent, console.Profile.Capabilities.Unicode);
            Row("Progress", string.IsNullOrEmpty(progress.Message) ? bar : new Columns(bar, new Text(progress.Message)) { Expand = false });
        }
        if (task.Payload is { } payload) Field("Payload", Compact(payload));
        if (task.Result is { } result) Field("Result", Compact(result));
        Field("Error", task.Error);
        console.Write(grid);

        if (task.Errors.Count == 0) return;
        var errors = new Table().Border(TableBorder.Simple).Title("Errors")
            .AddColumn(new TableColumn("Attempt").RightAligned())
            .AddColumn("Kind")
            .AddColumn(new TableColumn("At").NoWrap())
            .AddColumn("Message");
        foreach (var error in task.Errors)
            errors.AddRow(new Text(error.Attempt.ToString(CultureInfo.InvariantCulture)), Formats.Plain(error.Kind), new Text(Formats.Time(error.At)), Formats.Plain(error.Message));
        console.Write(errors);
    }

    private static string Compact(JsonElement json) =>
        json.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined ? "" : JsonSerializer.Serialize(json, QueueJson.Options);
}
