using QueueService.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using QueueService.Spool;
using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Tasks;
using QueueService.Workers;

namespace QueueService.Tests.Workers;

/// <summary>A real <see cref="InMemoryQueueStore"/> and one <see cref="QueueWorkerService"/> over it, with short durations and a spool in a temp folder.</summary>
internal sealed class WorkerHarness : IAsyncDisposable
{
    public const string Queue = "work";
    public static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    private bool _started;
    private bool _stopped;

    public WorkerHarness(IEnumerable<ITaskHandler> handlers, Action<WorkerOptions>? configure = null,
        IQueueStore? store = null, TimeProvider? storeTime = null, ILogger<QueueWorkerService>? logger = null)
    {
        Options = new WorkerOptions
        {
            WorkerId = "test-worker",
            LeaseDuration = TimeSpan.FromSeconds(2),
            HeartbeatInterval = TimeSpan.FromMilliseconds(200),
            ShutdownGracePeriod = TimeSpan.FromMilliseconds(500),
            IdlePollInterval = TimeSpan.FromMilliseconds(100),
            OutcomeTimeout = TimeSpan.FromSeconds(2),
        };
        configure?.Invoke(Options);
        var result = new WorkerOptionsValidator().Validate(null, Options);
        if (result.Failed) throw new InvalidOperationException(result.FailureMessage);
        Store = store ?? new InMemoryQueueStore(NoBackoffStoreOptions(), storeTime ?? TimeProvider.System);
        Spool = NewSpool();
        Worker = new QueueWorkerService(Store, handlers, Microsoft.Extensions.Options.Options.Create(Options), State,
            Spool, TimeProvider.System, logger ?? NullLogger<QueueWorkerService>.Instance);
    }

    public WorkerOptions Options { get; }
    public IQueueStore Store { get; }
    public WorkerState State { get; } = new();
    public QueueWorkerService Worker { get; }
    public TaskSpool Spool { get; }

    /// <summary>A spool over a new temp folder; the caller deletes <see cref="TaskSpool.Root"/>.</summary>
    public static TaskSpool NewSpool() =>
        new(Microsoft.Extensions.Options.Options.Create(new SpoolOptions { SpoolDirectory = Directory.CreateTempSubdirectory("rq-spool-").FullName }),
            NullLogger<TaskSpool>.Instance);

    /// <summary>Writes a file into the task's spool folder, as the HTTP API does for an upload; returns the folder.</summary>
    public static string WriteSpoolFile(TaskSpool spool, string taskId)
    {
        var folder = spool.FolderOf(taskId)!;
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "audio.wav"), "RIFF");
        return folder;
    }

    /// <summary>Retries become due at once, so a retry test needs no waiting for backoff.</summary>
    public static QueueStoreOptions NoBackoffStoreOptions() =>
        new() { Backoff = new BackoffOptions { BaseDelay = TimeSpan.Zero, JitterFraction = 0 } };

    public async Task StartAsync()
    {
        _started = true;
        await Worker.StartAsync(CancellationToken.None);
    }

    public async Task StopAsync()
    {
        _stopped = true;
        await Worker.StopAsync(CancellationToken.None);
    }

    public async Task<string> EnqueueAsync(string payloadJson = "{}", int maxRetries = 3, string queue = Queue) =>
        (await Store.EnqueueAsync(new NewTask(queue, payloadJson) { MaxRetries = maxRetries })).Id;

    public Task<QueueTask> WaitForStatusAsync(string taskId, QueueTaskStatus status, string because) =>
        Eventually.MatchAsync(async ct => (await Store.GetAsync(taskId, ct))!, t => t?.Status == status, Within, because);

    /// <summary>Waits, up to <see cref="Within"/>, until the worker has completed <paramref name="count"/> tasks (<see cref="State"/>).</summary>
    public Task WaitForCompletedAsync(int count, string because) =>
        Eventually.TrueAsync(_ => Task.FromResult(State.Completed == count), Within, because);

    public async ValueTask DisposeAsync()
    {
        if (_started && !_stopped) await Worker.StopAsync(CancellationToken.None);
        Worker.Dispose();
        Directory.Delete(Spool.Root, recursive: true);
    }
}
