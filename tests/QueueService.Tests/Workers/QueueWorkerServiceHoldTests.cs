using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using QueueService.Stores;
using QueueService.Tasks;
using QueueService.Tests.Support;
using QueueService.Workers;

namespace QueueService.Tests.Workers;

/// <summary>
/// A worker against a real redis-server that goes away and comes back, with its data or empty (then a restore
/// brings the snapshot back, holding leases): outcomes are held through the outage, heartbeats do not give up
/// on a lease a restore is still to bring back, and a lease brought back after its outcome was recorded is
/// recorded again, not run again (docs/failover.md, "Workers hold outcomes and reconcile leases").
/// </summary>
public sealed class QueueWorkerServiceHoldTests
{
    private static readonly TimeSpan Within = RestartableRedis.Within;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);

    private static Task<string> EnqueueAsync(RestartableRedis redis) =>
        redis.Store.EnqueueAsync(new NewTask(WorkerHarness.Queue, "{}") { MaxRetries = 0 }).ContinueWith(t => t.Result.Id, TaskScheduler.Default);

    private static Task<QueueTask> WaitForStatusAsync(RestartableRedis redis, string id, QueueTaskStatus status, string because) =>
        Eventually.MatchAsync(async ct => (await redis.Store.GetAsync(id, ct))!, t => t?.Status == status, Within, because);

    [Fact]
    public async Task Execute_RecordsTheCompletion_WhenTheHandlerEndsDuringAnOutageLongerThanTheLease()
    {
        await using var redis = await RestartableRedis.CreateAsync();
        var (store, calls) = StoreCallLog.Wrap(redis.WorkerStore);
        var log = new ListLogger<QueueWorkerService>();
        var (started, finish, runs) = (DelegateHandler.NewSignal(), DelegateHandler.NewSignal(), new StrongBox<int>());
        await using var harness = new WorkerHarness([DelegateHandler.Blocking(started, finish, "\"done\"", runs)], o => o.LeaseDuration = Lease, store, logger: log);
        var id = await EnqueueAsync(redis);
        await harness.StartAsync();
        await started.Task.WaitAsync(Within);

        await redis.StopAsync(keepData: true);
        var outage = Stopwatch.StartNew();
        finish.SetResult();
        await Eventually.TrueAsync(_ => Task.FromResult(calls.Count(nameof(IQueueStore.CompleteAsync), StoreError.Unavailable) >= 3 && outage.Elapsed > 2 * Lease),
            Within, "the outage outlasts the lease while the worker holds the completion");
        await redis.StartAgainAsync();

        var task = await WaitForStatusAsync(redis, id, QueueTaskStatus.Completed, "the held completion is recorded once Redis is back");
        task.ResultJson.Should().Be("\"done\"");
        task.Attempts.Should().Be(1);
        runs.Value.Should().Be(1);
        await Eventually.TrueAsync(_ => Task.FromResult(harness.State.Completed == 1), Within, "the runner ends");
        harness.State.Lost.Should().Be(0);
        log.Entries.Should().ContainSingle(e => e.Level == LogLevel.Warning && e.Message.Contains("holding the outcome", StringComparison.Ordinal),
            "holding starts once");
        log.Entries.Should().ContainSingle(e => e.Level == LogLevel.Information && e.Message.StartsWith("Recorded complete of task", StringComparison.Ordinal),
            "and ends once");
        log.Entries.Should().NotContain(e => e.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task Execute_RecordsTheHeldCompletion_WhenRedisComesBackEmptyAndTheSnapshotIsRestored()
    {
        await using var redis = await RestartableRedis.CreateAsync();
        var (store, calls) = StoreCallLog.Wrap(redis.WorkerStore);
        var (started, finish, runs) = (DelegateHandler.NewSignal(), DelegateHandler.NewSignal(), new StrongBox<int>());
        await using var harness = new WorkerHarness([DelegateHandler.Blocking(started, finish, "\"done\"", runs)], o => o.LeaseDuration = Lease, store);
        var id = await EnqueueAsync(redis);
        await harness.StartAsync();
        await started.Task.WaitAsync(Within);
        var snapshot = await redis.Store.ExportAsync(); // the last backup: the task processing, leased to this worker

        await redis.StopAsync(keepData: false);
        finish.SetResult();
        await Eventually.TrueAsync(_ => Task.FromResult(calls.Count(nameof(IQueueStore.CompleteAsync), StoreError.Unavailable) >= 1),
            Within, "the completion meets the outage");
        await redis.StartAgainAsync();
        await Eventually.TrueAsync(_ => Task.FromResult(calls.Count(nameof(IQueueStore.CompleteAsync), StoreError.NotFound) >= 1),
            Within, "Redis is back empty: the completion finds no task, and holds on");
        harness.State.Processed.Should().Be(0, "a NotFound after an outage is not a lost lease");
        await redis.RestoreAsync(snapshot);

        var task = await WaitForStatusAsync(redis, id, QueueTaskStatus.Completed, "the held completion is recorded once the restore brought the lease back");
        task.ResultJson.Should().Be("\"done\"");
        task.Attempts.Should().Be(1);
        runs.Value.Should().Be(1, "the task is not run again");
        await Eventually.TrueAsync(_ => Task.FromResult(harness.State.Completed == 1), Within, "the runner ends");
        harness.State.Lost.Should().Be(0);
    }

    [Fact]
    public async Task Reconcile_RecordsTheCompletionAgain_WhenARestoreBringsBackALeaseWhoseOutcomeWasRecorded()
    {
        await using var redis = await RestartableRedis.CreateAsync();
        var (store, calls) = StoreCallLog.Wrap(redis.WorkerStore);
        var log = new ListLogger<QueueWorkerService>();
        var (started, finish, runs) = (DelegateHandler.NewSignal(), DelegateHandler.NewSignal(), new StrongBox<int>());
        await using var harness = new WorkerHarness([DelegateHandler.Blocking(started, finish, "\"original\"", runs)], o => o.LeaseDuration = Lease, store, logger: log);
        var id = await EnqueueAsync(redis);
        await harness.StartAsync();
        await started.Task.WaitAsync(Within);
        var snapshot = await redis.Store.ExportAsync(); // taken while the task was processing
        finish.SetResult();
        await WaitForStatusAsync(redis, id, QueueTaskStatus.Completed, "the worker records the completion");

        // Redis loses its data; the worker notices the outage; the restore brings back the task as it was in the snapshot.
        await redis.StopAsync(keepData: false);
        await Eventually.TrueAsync(_ => Task.FromResult(calls.Calls.Any(c => c.Error == StoreError.Unavailable)), Within, "the worker notices the outage");
        await redis.StartAgainAsync();
        var imported = await redis.RestoreAsync(snapshot);
        imported.Held.Should().Be(1, "the restore holds the lease rather than queueing the task");

        var task = await WaitForStatusAsync(redis, id, QueueTaskStatus.Completed, "the worker records its remembered completion again");
        task.ResultJson.Should().Be("\"original\"");
        task.Attempts.Should().Be(1);
        runs.Value.Should().Be(1, "the task is not run again");
        // Logged right after the store took it: the status above can be seen first.
        await Eventually.TrueAsync(_ => Task.FromResult(log.Entries.Any(e => e.Message.Contains("after the store lost it", StringComparison.Ordinal))),
            Within, "the worker says it re-recorded the outcome");
        log.Entries.Should().ContainSingle(e => e.Level == LogLevel.Information && e.Message.Contains("after the store lost it", StringComparison.Ordinal));
        harness.State.Completed.Should().Be(1, "recording again is not a second completion of the worker");
    }

    [Fact]
    public async Task Heartbeat_KeepsTheHandlerRunning_WhenRedisComesBackEmptyUntilTheRestore()
    {
        await using var redis = await RestartableRedis.CreateAsync();
        var (store, calls) = StoreCallLog.Wrap(redis.WorkerStore);
        var (started, finish, runs, tokenFired) = (DelegateHandler.NewSignal(), DelegateHandler.NewSignal(), new StrongBox<int>(), new StrongBox<bool>());
        await using var harness = new WorkerHarness([DelegateHandler.Blocking(started, finish, "\"done\"", runs, tokenFired)], o => o.LeaseDuration = Lease, store);
        var id = await EnqueueAsync(redis);
        await harness.StartAsync();
        await started.Task.WaitAsync(Within);
        var snapshot = await redis.Store.ExportAsync();

        await redis.StopAsync(keepData: false);
        await Eventually.TrueAsync(_ => Task.FromResult(calls.Count(nameof(IQueueStore.HeartbeatAsync), StoreError.Unavailable) >= 1),
            Within, "heartbeats meet the outage");
        await redis.StartAgainAsync();
        await Eventually.TrueAsync(_ => Task.FromResult(calls.Count(nameof(IQueueStore.HeartbeatAsync), StoreError.NotFound) >= 3),
            Within, "heartbeats find no task in the empty Redis");
        var beatsBeforeRestore = calls.Succeeded(nameof(IQueueStore.HeartbeatAsync));
        await redis.RestoreAsync(snapshot);
        await Eventually.TrueAsync(_ => Task.FromResult(calls.Succeeded(nameof(IQueueStore.HeartbeatAsync)) > beatsBeforeRestore),
            Within, "heartbeats renew the restored lease");
        finish.SetResult();

        var task = await WaitForStatusAsync(redis, id, QueueTaskStatus.Completed, "the handler ran on and its result is recorded");
        tokenFired.Value.Should().BeFalse("NotFound after an outage must not cancel the handler");
        task.ResultJson.Should().Be("\"done\"");
        task.Attempts.Should().Be(1);
        runs.Value.Should().Be(1);
    }
}
