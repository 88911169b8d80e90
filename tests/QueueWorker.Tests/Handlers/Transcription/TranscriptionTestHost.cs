using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Tasks;
using QueueService.Workers;
using QueueWorker.Handlers.Transcription;

namespace QueueWorker.Tests.Handlers.Transcription;

/// <summary>
/// The transcription handler as the worker builds it: <see cref="WorkerHandlers.Add"/> over configuration
/// keys, so each test switches engines and paths exactly as an operator would. Owns a temp folder that
/// holds the test's files and the handler's work folders, deleted on dispose.
/// </summary>
internal sealed class TranscriptionTestHost : IDisposable
{
    private readonly ServiceProvider _provider;

    public TranscriptionTestHost(IReadOnlyDictionary<string, string?>? settings = null, IQueueStore? store = null)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("rq-transcription-test-").FullName;
        WorkRoot = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "work")).FullName;
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            [$"{TranscriptionOptions.Section}:{nameof(TranscriptionOptions.WorkDirectory)}"] = WorkRoot,
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(all).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(store ?? new InMemoryQueueStore(new QueueStoreOptions(), TimeProvider.System));
        WorkerHandlers.Add(services, configuration);
        _provider = services.BuildServiceProvider();
    }

    /// <summary>A folder for the test's own files.</summary>
    public string Directory { get; }

    /// <summary>Where the handler makes its per-attempt work folders: empty again after every attempt.</summary>
    public string WorkRoot { get; }

    public List<TaskProgress> Progress { get; } = [];

    public ITaskHandler Handler => _provider.GetServices<ITaskHandler>().Single(h => h.Queue == TranscriptionHandler.QueueName);

    public T Get<T>() where T : notnull => _provider.GetRequiredService<T>();

    /// <summary>Runs one attempt through <see cref="ITaskHandler"/>, exactly as the processing loop calls it.</summary>
    public Task<string?> RunAsync(string payloadJson, string taskId = "task-1", CancellationToken cancellationToken = default) =>
        Handler.HandleAsync(new TaskContext(taskId, TranscriptionHandler.QueueName, payloadJson, attempt: 1, maxRetries: 3, workerId: "worker-1",
            (p, _) => { lock (Progress) Progress.Add(p); return Task.CompletedTask; }, cancellationToken));

    /// <summary>The payload JSON for a file (and optional fields).</summary>
    public static string Payload(string audioPath, string? language = null, string? then = null) =>
        System.Text.Json.JsonSerializer.Serialize(new TranscriptionPayload(audioPath, language, then));

    /// <summary>Writes an executable shell script (a fake recogniser) into <see cref="Directory"/>.</summary>
    public string Script(string name, string body)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>Settings that make the <c>command</c> engine run <paramref name="executable"/> with the given arguments.</summary>
    public static Dictionary<string, string?> CommandEngine(string executable, string? name = null, params string[] arguments)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Queue:Transcription:Engine"] = "command",
            ["Queue:Transcription:Command:Executable"] = executable,
        };
        if (name is not null) settings["Queue:Transcription:Command:Name"] = name;
        for (var i = 0; i < arguments.Length; i++) settings[$"Queue:Transcription:Command:Arguments:{i}"] = arguments[i];
        return settings;
    }

    public void Dispose()
    {
        _provider.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A process a failed test left running may still hold a file: the OS temp cleaner gets it.
        }
    }
}
