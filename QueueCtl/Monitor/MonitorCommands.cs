using System.CommandLine;
using QueueCtl.Cli;

namespace QueueCtl.Monitor;

/// <summary>The monitor commands: every one talks to a running queue service over HTTP, through <see cref="QueueClient.IQueueApiClient"/> only.</summary>
internal static class MonitorCommands
{
    /// <summary>Adds stats, list, show, cancel, retry, clear, cleanup, backup, workers, health and watch to <paramref name="root"/>.</summary>
    public static void AddTo(RootCommand root, GlobalOptions globals)
    {
        root.Subcommands.Add(ServiceCommands.Stats(globals));
        root.Subcommands.Add(TaskCommands.List(globals));
        root.Subcommands.Add(TaskCommands.Show(globals));
        root.Subcommands.Add(TaskCommands.Cancel(globals));
        root.Subcommands.Add(TaskCommands.Retry(globals));
        root.Subcommands.Add(AdminCommands.Clear(globals));
        root.Subcommands.Add(AdminCommands.Cleanup(globals));
        root.Subcommands.Add(AdminCommands.Backup(globals));
        root.Subcommands.Add(ServiceCommands.Workers(globals));
        root.Subcommands.Add(ServiceCommands.Health(globals));
        root.Subcommands.Add(WatchCommand.Create(globals));
    }
}
