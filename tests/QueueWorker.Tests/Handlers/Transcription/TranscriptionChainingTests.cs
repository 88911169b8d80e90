using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QueueService.Hosting;
using QueueService.Stores;
using QueueService.Tasks;
using QueueService.Tests.Fixtures;
using QueueService.Tests.Support;
using QueueService.Workers;
using QueueWorker.Handlers.Transcription;

namespace QueueWorker.Tests.Handlers.Transcription;

/// <summary>Transcription chaining a risk-detection task, against a real redis-server.</summary>
public sealed class TranscriptionChainingTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IDisposable
{
    private const string Transcript = "please wire the money before friday";
    private static readonly string Sample = TestAudio.Librivox[4].Path;

    private readonly string _directory = Directory.CreateTempSubdirectory("rq-chain-test-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A recogniser that always hears <see cref="Transcript"/>: chaining is the subject here, not recognition.</summary>
    private Dictionary<string, string?> FixedTranscriptEngine()
    {
        var script = Path.Combine(_directory, "fixed.sh");
        File.WriteAllText(script, $"#!/bin/sh\necho '{Transcript}'\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return TranscriptionTestHost.CommandEngine(script, "fixed", "{input}");
    }

    [Fact]
    public async Task HandleAsync_EnqueuesOneFollowUpWithTheTranscriptAndParentsPriority_EvenWhenTheAttemptRunsTwice()
    {
        var ns = RedisServerFixture.UniqueNamespace();
        await using var store = redis.CreateStore(ns);
        using var host = new TranscriptionTestHost(FixedTranscriptEngine(), store);
        var parent = await store.EnqueueAsync(new NewTask("transcription", TranscriptionTestHost.Payload(Sample, then: "risk-detection")) { Priority = 7 });
        var lease = (await store.LeaseAsync("worker-1", ["transcription"], 1, TimeSpan.FromMinutes(1))).Should().ContainSingle().Subject;

        var first = JsonDocument.Parse((await host.RunAsync(lease.PayloadJson, lease.TaskId))!).RootElement;
        var followUp = await store.GetAsync(parent.Id + "-risk");
        // The same attempt again, as after a crash between enqueueing the follow-up and completing.
        var second = JsonDocument.Parse((await host.RunAsync(lease.PayloadJson, lease.TaskId))!).RootElement;

        first.GetProperty("followUpTaskId").GetString().Should().Be(parent.Id + "-risk");
        second.GetProperty("followUpTaskId").GetString().Should().Be(parent.Id + "-risk");
        first.GetProperty("text").GetString().Should().Be(Transcript);
        followUp.Should().NotBeNull();
        followUp!.Type.Should().Be("risk-detection");
        followUp.Status.Should().Be(QueueTaskStatus.Queued);
        followUp.Priority.Should().Be(7, "the follow-up runs at its parent's priority");
        JsonDocument.Parse(followUp.PayloadJson).RootElement.GetProperty("text").GetString().Should().Be(Transcript);
        var riskTasks = await store.ListAsync(new TaskQuery(Type: "risk-detection"));
        riskTasks.Total.Should().Be(1, "a repeated attempt must not chain a second task");
        (await store.GetAsync(followUp.Id))!.CreatedAt.Should().Be(followUp.CreatedAt, "the existing follow-up is left as it was");
    }

    [Fact]
    public async Task HandleAsync_ChainsNothing_WhenThePayloadHasNoThen()
    {
        var ns = RedisServerFixture.UniqueNamespace();
        await using var store = redis.CreateStore(ns);
        using var host = new TranscriptionTestHost(FixedTranscriptEngine(), store);

        var result = JsonDocument.Parse((await host.RunAsync(TranscriptionTestHost.Payload(Sample), "no-chain"))!).RootElement;

        result.TryGetProperty("followUpTaskId", out _).Should().BeFalse("the field is left out, not null");
        (await store.ListAsync(new TaskQuery(Type: "risk-detection"))).Total.Should().Be(0);
    }

    [Fact]
    public void FollowUpId_StaysAValidTaskId_WhenTheParentIdIsAtTheLengthLimit()
    {
        var longId = new string('a', TaskLimits.MaxIdLength);

        var id = TranscriptionHandler.FollowUpId(longId);

        id.Should().HaveLength(TaskLimits.MaxIdLength).And.EndWith("-risk");
        TranscriptionHandler.FollowUpId(longId).Should().Be(id, "derived, so every attempt names the same task");
        TranscriptionHandler.FollowUpId(longId[..^1] + "b").Should().NotBe(id);
    }

    [Fact]
    public async Task Worker_TranscribesThenScoresTheTranscript_ThroughRedis()
    {
        var ns = RedisServerFixture.UniqueNamespace();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(FixedTranscriptEngine())
        {
            ["Queue:Redis:Configuration"] = redis.ConnectionString,
            ["Queue:Redis:Namespace"] = ns,
            ["Queue:Worker:WorkerId"] = "chain-worker",
            ["Queue:Worker:IdlePollInterval"] = "00:00:00.050",
        });
        builder.Services.AddRedisQueue(builder.Configuration);
        builder.Services.AddQueueWorker(builder.Configuration);
        WorkerHandlers.Add(builder.Services, builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var store = host.Services.GetRequiredService<IQueueStore>();
            var parent = await store.EnqueueAsync(new NewTask("transcription", TranscriptionTestHost.Payload(Sample, then: "risk-detection")) { Priority = 3 });

            var risk = await Eventually.MatchAsync(ct => store.GetAsync(parent.Id + "-risk", ct), t => t?.Status.IsFinished() == true,
                TimeSpan.FromSeconds(30), "the worker should transcribe, chain, and then run the risk-detection task");

            risk!.Status.Should().Be(QueueTaskStatus.Completed, risk.LastError);
            risk.Priority.Should().Be(3);
            risk.ResultJson.Should().Contain("wire the money");
            var transcription = await store.GetAsync(parent.Id);
            transcription!.Status.Should().Be(QueueTaskStatus.Completed, transcription.LastError);
            JsonDocument.Parse(transcription.ResultJson!).RootElement.GetProperty("followUpTaskId").GetString().Should().Be(risk.Id);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
