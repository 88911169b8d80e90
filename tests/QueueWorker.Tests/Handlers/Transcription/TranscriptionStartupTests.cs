using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Tests.Fixtures;
using QueueWorker.Tests.Process;

namespace QueueWorker.Tests.Handlers.Transcription;

/// <summary>What the transcription registration does when a host starts: validate its options, warn about a missing recogniser.</summary>
public sealed class TranscriptionStartupTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static IHost BuildHost(Dictionary<string, string?> settings, CapturingLoggerProvider? logs = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        if (logs is not null) builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton<IQueueStore>(new InMemoryQueueStore(new QueueStoreOptions(), TimeProvider.System));
        WorkerHandlers.Add(builder.Services, builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public async Task StartAsync_FailsNamingTheKey_WhenTheEngineIsUnknown()
    {
        using var host = BuildHost(new() { ["Queue:Transcription:Engine"] = "whisper" });

        var act = () => host.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*Queue:Transcription:Engine 'whisper' is not a known transcription engine*");
    }

    [Fact]
    public async Task Worker_ExitsWithCode2NamingTheKey_WhenTheEngineIsUnknown()
    {
        await using var worker = WorkerProcess.Start(new Dictionary<string, string?>
        {
            ["REDIS_URL"] = redis.ConnectionString,
            ["Queue__Redis__Namespace"] = RedisServerFixture.UniqueNamespace(),
            ["Queue__Transcription__Engine"] = "whisper",
        });

        (await worker.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(2, worker.Output);
        worker.Output.Should().Contain("invalid configuration").And.Contain("Queue:Transcription:Engine 'whisper'");
    }

    [Fact]
    public async Task Worker_ExitsWithCode2_WhenWorkerAndTranscriptionOptionsAreBothInvalid()
    {
        // The host builds its hosted services (and the handlers they hold) before its start-up validation,
        // so whichever options class is read first reports; either way it is a configuration error, not a crash.
        await using var worker = WorkerProcess.Start(new Dictionary<string, string?>
        {
            ["REDIS_URL"] = redis.ConnectionString,
            ["Queue__Redis__Namespace"] = RedisServerFixture.UniqueNamespace(),
            ["Queue__Worker__HeartbeatInterval"] = "00:01:00",
            ["Queue__Transcription__ChunkSeconds"] = "0",
        });

        (await worker.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(2, worker.Output);
        worker.Output.Should().Contain("QueueWorker: invalid configuration").And.NotContain("Unhandled exception");
    }

    [Fact]
    public async Task StartAsync_WarnsOnceWithWhatToInstall_WhenTheEngineIsNotUsable()
    {
        var logs = new CapturingLoggerProvider();
        using var host = BuildHost(new()
        {
            ["Queue:Transcription:Pocketsphinx:Executable"] = "/opt/none/pocketsphinx_continuous",
            ["Queue:Transcription:SoxExecutable"] = "/opt/none/sox",
        }, logs);

        await host.StartAsync();
        await host.StopAsync();

        var warnings = logs.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();
        warnings.Should().HaveCount(2);
        warnings.Should().ContainSingle(m => m.Contains("Transcription engine pocketsphinx is not usable", StringComparison.Ordinal))
            .Which.Should().Contain("apt-get install pocketsphinx pocketsphinx-en-us");
        warnings.Should().ContainSingle(m => m.Contains("apt-get install sox", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartAsync_DoesNotWarn_WhenPocketsphinxAndSoxAreInstalled()
    {
        var logs = new CapturingLoggerProvider();
        using var host = BuildHost([], logs);

        await host.StartAsync();
        await host.StopAsync();

        logs.Entries.Where(e => e.Level >= LogLevel.Warning).Should().BeEmpty();
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly List<(LogLevel Level, string Message)> _entries = [];

        public IReadOnlyList<(LogLevel Level, string Message)> Entries
        {
            get { lock (_entries) return [.. _entries]; }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose() { }

        private sealed class Logger(CapturingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner._entries) owner._entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
