using Microsoft.Extensions.Options;
using QueueService.Tasks;

namespace QueueService.Workers;

/// <summary>The cross-field rules of <see cref="WorkerOptions"/> that data annotations cannot state.</summary>
public sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.HeartbeatInterval >= options.LeaseDuration)
            failures.Add($"{WorkerOptions.Section}:{nameof(WorkerOptions.HeartbeatInterval)} ({options.HeartbeatInterval}) must be shorter than " +
                $"{WorkerOptions.Section}:{nameof(WorkerOptions.LeaseDuration)} ({options.LeaseDuration}), or leases expire between heartbeats.");
        foreach (var queue in options.Queues.Where(q => !TaskLimits.IsValidQueueName(q)))
            failures.Add($"{WorkerOptions.Section}:{nameof(WorkerOptions.Queues)} has '{queue}', which is not a valid queue name.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
