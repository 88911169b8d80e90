using System.CommandLine;
using System.Globalization;
using QueueCtl.Cli;
using Spectre.Console;

namespace QueueCtl.Monitor;

/// <summary><c>clear</c>, <c>cleanup</c> and <c>backup</c>: the admin endpoints (they need <c>--api-key</c> or <c>QUEUE_ADMIN_API_KEY</c>).</summary>
internal static class AdminCommands
{
    /// <summary>The largest <c>--hours</c> the API accepts (100 years).</summary>
    public const double MaxHours = 876_000;

    /// <summary><c>clear --hours N [--json]</c>: <c>DELETE /admin/tasks?olderThanHours=N</c>.</summary>
    public static Command Clear(GlobalOptions globals)
    {
        var hours = MonitorOptions.Number("--hours", 0, MaxHours, $"a number of hours from 0 to {MaxHours.ToString(CultureInfo.InvariantCulture)}");
        hours.Description = "Delete completed, failed and cancelled tasks that finished more than this many hours ago (0 deletes every finished task; fractions allowed).";
        hours.Required = true;
        hours.HelpName = "N";
        var json = MonitorOptions.Json();
        var command = new Command("clear", "Delete finished tasks older than --hours (admin). Queued, scheduled and processing tasks are never deleted.") { hours, json };
        command.SetAction((parsed, ct) => CommandRunner.RunAsync(parsed, globals, async (client, ct) =>
        {
            var olderThan = parsed.GetValue(hours);
            var purge = await client.ClearFinishedAsync(olderThan, ct);
            if (parsed.GetValue(json)) await JsonOutput.WriteAsync(globals.Environment, purge);
            else globals.Environment.Out.WriteLine(
                $"Deleted {Formats.Count(purge.Deleted)} finished task{(purge.Deleted == 1 ? "" : "s")} older than {olderThan.ToString(CultureInfo.InvariantCulture)} h.");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary><c>cleanup [--json]</c>: <c>POST /admin/cleanup-stuck-tasks</c>.</summary>
    public static Command Cleanup(GlobalOptions globals)
    {
        var json = MonitorOptions.Json();
        var command = new Command("cleanup", "Reclaim stuck tasks now (processing with an expired lease: their worker died) (admin).") { json };
        command.SetAction((parsed, ct) => CommandRunner.RunAsync(parsed, globals, async (client, ct) =>
        {
            var cleanup = await client.CleanupStuckTasksAsync(ct);
            if (parsed.GetValue(json)) await JsonOutput.WriteAsync(globals.Environment, cleanup);
            else globals.Environment.Out.WriteLine(cleanup.Requeued + cleanup.Failed + cleanup.Cancelled == 0
                ? "No stuck tasks."
                : $"Stuck tasks reclaimed: {cleanup.Requeued} requeued, {cleanup.Failed} failed, {cleanup.Cancelled} cancelled"
                  + (cleanup.TimedOut > 0 ? $" ({cleanup.TimedOut} had run past the maximum processing time)." : "."));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary><c>backup [--json]</c>: <c>POST /admin/backup</c>.</summary>
    public static Command Backup(GlobalOptions globals)
    {
        var json = MonitorOptions.Json();
        var command = new Command("backup", "Write a snapshot of every task now, on the server (admin).") { json };
        command.SetAction((parsed, ct) => CommandRunner.RunAsync(parsed, globals, async (client, ct) =>
        {
            var backup = await client.BackupAsync(ct);
            if (parsed.GetValue(json)) await JsonOutput.WriteAsync(globals.Environment, backup);
            else globals.Environment.Out.WriteLine(
                $"Backed up {Formats.Count(backup.Tasks)} task{(backup.Tasks == 1 ? "" : "s")} ({Formats.Count(backup.Bytes)} bytes, {backup.DurationMs} ms) to {backup.File} on the server.");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
