using QueueService.Stores;
using QueueService.Tasks;

namespace QueueCtl.Tests.Monitor.Support;

/// <summary>
/// Puts tasks into the states a test needs, straight through the API's own store. A task about to be leased gets the
/// top priority, so the lease takes it and not a task the test queued before.
/// </summary>
internal static class Seed
{
    public const string Risk = "risk-detection";
    public const string Transcription = "transcription";

    private const int First = 100;

    /// <summary>A queued risk-detection task.</summary>
    public static async Task<string> QueuedAsync(IQueueStore store, string text = "hello", int priority = 0) =>
        (await store.EnqueueAsync(new NewTask(Risk, $$"""{"text":"{{text}}"}""") { Priority = priority })).Id;

    /// <summary>A task leased by <paramref name="workerId"/> that reported <paramref name="percent"/>% with <paramref name="message"/>.</summary>
    public static async Task<TaskLease> ProcessingAsync(IQueueStore store, string workerId, int percent, string message, string type = Risk)
    {
        await store.EnqueueAsync(new NewTask(type, type == Risk ? """{"text":"working"}""" : """{"audioPath":"a.wav"}""") { Priority = First });
        var lease = (await store.LeaseAsync(workerId, [type], 1, TimeSpan.FromMinutes(5))).Single();
        await store.ReportProgressAsync(lease, new QueueService.Tasks.TaskProgress(percent, message));
        return lease;
    }

    /// <summary>A task that failed for good with <paramref name="error"/> (no retries).</summary>
    public static async Task<string> FailedAsync(IQueueStore store, string error)
    {
        var id = (await store.EnqueueAsync(new NewTask(Risk, """{"text":"fails"}""") { MaxRetries = 0, Priority = First })).Id;
        var lease = (await store.LeaseAsync("worker-f", [Risk], 1, TimeSpan.FromMinutes(5))).Single();
        await store.FailAsync(lease, new TaskFailure(error));
        return id;
    }

    /// <summary>A completed task.</summary>
    public static async Task<string> CompletedAsync(IQueueStore store)
    {
        var id = (await store.EnqueueAsync(new NewTask(Risk, """{"text":"done"}""") { Priority = First })).Id;
        var lease = (await store.LeaseAsync("worker-c", [Risk], 1, TimeSpan.FromMinutes(5))).Single();
        await store.CompleteAsync(lease, """{"score":0.1}""");
        return id;
    }

    /// <summary>A live worker in the registry.</summary>
    public static Task WorkerAsync(IQueueStore store, string id, params string[] queues) =>
        store.RegisterWorkerAsync(new WorkerInfo(id, "test-host", 4242, queues, 2, [], DateTimeOffset.UtcNow), TimeSpan.FromMinutes(5));
}
