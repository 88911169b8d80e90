using System.Net;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using QueueHttpApi.Tests.Support;
using QueueService.Stores;
using QueueService.Stores.Memory;
using QueueService.Tasks;
using QueueService.Tests.Support;

namespace QueueHttpApi.Tests.Tasks;

/// <summary>
/// The task endpoints in the embedded mode (in-memory store), plus what only this mode can show in
/// process: a task run to completion by an embedded worker, and an enqueue that fails (a store
/// swapped for one that refuses, which Redis cannot be made to do on cue).
/// </summary>
public sealed class EmbeddedTaskEndpointsTests : TaskEndpointsTests
{
    /// <inheritdoc/>
    protected override ApiFactory CreateApi(IReadOnlyDictionary<string, string?>? settings = null) =>
        ApiFactory.Embedded(settings: TaskTestSupport.Settings(settings));

    [Fact]
    public async Task SubmitRiskDetection_IsRunToCompletionByAnEmbeddedWorker_WhenOneRuns()
    {
        using var api = ApiFactory.Embedded(embeddedWorkers: 1, settings: TaskTestSupport.Settings());
        using var client = api.CreateClient();

        using var response = await client.PostJsonAsync("/tasks/risk-detection",
            new { text = "Transfer it now and don't tell compliance, or I know where you live.", metadata = new { meeting = "m-1" } });
        var submitted = await response.ShouldBeAcceptedAsync();

        var task = await Eventually.MatchAsync(_ => client.GetTaskAsync(submitted.Id), t => t.Status is "completed" or "failed",
            within: TimeSpan.FromSeconds(15), because: "the embedded worker should run the task");
        task.Status.Should().Be("completed", task.Error);
        task.Result!.Value.GetProperty("riskScore").GetDouble().Should().BeGreaterThan(0.5);
        task.Result!.Value.GetProperty("level").GetString().Should().BeOneOf("medium", "high");
        task.Result!.Value.GetProperty("matches").GetArrayLength().Should().BeGreaterThanOrEqualTo(2);
        task.Progress!.Percent.Should().Be(100);
        task.QueuePosition.Should().BeNull();
    }

    [Fact]
    public async Task SubmitTranscription_LeavesNothingInTheSpoolAndAnswers503_WhenTheStoreIsUnavailable()
    {
        using var api = ApiFactory.Embedded(settings: TaskTestSupport.Settings());
        using var failing = WithStore(api, FlakyStore.Create(applyBeforeFailing: false));
        using var client = failing.CreateClient();

        using var response = await client.UploadAsync(TaskTestSupport.Wav());

        await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
        api.SpoolFolders().Should().BeEmpty("the upload of a task that was not stored is deleted");
    }

    [Fact]
    public async Task SubmitTranscription_KeepsTheUploadAndAccepts_WhenTheEnqueueAppliedButItsAnswerWasLost()
    {
        using var api = ApiFactory.Embedded(settings: TaskTestSupport.Settings());
        var store = FlakyStore.Create(applyBeforeFailing: true);
        using var failing = WithStore(api, store);
        using var client = failing.CreateClient();

        using var response = await client.UploadAsync(TaskTestSupport.Wav());

        var task = await response.ShouldBeAcceptedAsync();
        (await store.GetAsync(task.Id))!.Status.Should().Be(QueueTaskStatus.Queued);
        File.Exists(Path.Combine(api.SpoolDirectory, task.Id, "audio.wav")).Should().BeTrue("the stored task needs its file");
    }

    [Fact]
    public async Task SubmitTranscription_LeavesNothingInTheSpool_WhenTheStoreRefusesTheTask()
    {
        using var api = ApiFactory.Embedded(settings: TaskTestSupport.Settings());
        using var failing = WithStore(api, FlakyStore.Create(applyBeforeFailing: false, error: StoreError.Invalid));
        using var client = failing.CreateClient();

        using var response = await client.UploadAsync(TaskTestSupport.Wav());

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "payload");
        api.SpoolFolders().Should().BeEmpty();
    }

    private static Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> WithStore(ApiFactory api, IQueueStore store) =>
        api.WithWebHostBuilder(builder => builder.ConfigureTestServices(services => services.AddSingleton(store)));

    /// <summary>An in-memory store whose enqueue fails (after applying, when asked): everything else is the real store.</summary>
    public class FlakyStore : DispatchProxy
    {
        private InMemoryQueueStore _inner = null!;
        private bool _applyBeforeFailing;
        private StoreError _error;

        public static IQueueStore Create(bool applyBeforeFailing, StoreError error = StoreError.Unavailable)
        {
            var store = DispatchProxy.Create<IQueueStore, FlakyStore>();
            var proxy = (FlakyStore)(object)store;
            proxy._inner = new InMemoryQueueStore(new QueueStoreOptions(), TimeProvider.System);
            proxy._applyBeforeFailing = applyBeforeFailing;
            proxy._error = error;
            return store;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (targetMethod.Name == nameof(IQueueStore.EnqueueAsync)) return EnqueueAsync((NewTask)args![0]!);
            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(ex.InnerException);
                throw;
            }
        }

        private async Task<EnqueueResult> EnqueueAsync(NewTask task)
        {
            if (_applyBeforeFailing) await _inner.EnqueueAsync(task);
            throw new QueueStoreException(_error, "The store is down (test).", field: _error == StoreError.Invalid ? "payload" : null);
        }
    }
}
