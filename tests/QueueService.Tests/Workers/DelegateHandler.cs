using QueueService.Workers;

namespace QueueService.Tests.Workers;

/// <summary>A handler whose body the test supplies.</summary>
internal sealed class DelegateHandler(string queue, Func<TaskContext, Task<string?>> handle) : ITaskHandler
{
    public string Queue => queue;

    public Task<string?> HandleAsync(TaskContext context) => handle(context);
}
