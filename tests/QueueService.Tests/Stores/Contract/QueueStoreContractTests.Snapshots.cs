using QueueService.Snapshots;
using QueueService.Stores;
using QueueService.Tasks;
using QueueService.Tests.Support;

namespace QueueService.Tests.Stores.Contract;

// Export and import (backup and restore): a store filled with every kind of task, exported, and
// imported into a second, fresh store of the same kind.
public abstract partial class QueueStoreContractTests
{
    /// <summary>A store with tasks in every status, counters and a moving average; returns the ids by role.</summary>
    private async Task<Dictionary<string, string>> FillWithEveryKindAsync()
    {
        var ids = new Dictionary<string, string>();
        // Processing ones first, so their places are among the queued ones.
        ids["processing"] = await EnqueueAsync(Alpha, priority: 50);
        ids["cancelRequested"] = await EnqueueAsync(Alpha, priority: 50);
        var leases = await Store.LeaseAsync("worker-1", [Alpha], 2, LongLease);
        await Store.ReportProgressAsync(leases[0], new TaskProgress(40, "halfway", """{"chunk":2}"""));
        await Store.CancelAsync(ids["cancelRequested"]);

        ids["completed"] = await EnqueueAsync(Beta, priority: 100);
        await Store.CompleteAsync(await LeaseOneAsync(Beta), """{"text":"done ü"}""");
        ids["failed"] = await EnqueueAsync(Beta, priority: 100, maxRetries: 0);
        await FailNowAsync(await LeaseOneAsync(Beta), "engine crashed", retryable: false);
        ids["cancelled"] = await EnqueueAsync(Beta);
        await Store.CancelAsync(ids["cancelled"]);
        ids["scheduled"] = (await Store.EnqueueAsync(Job(Beta) with { Delay = TimeSpan.FromHours(1) })).Id;

        for (var i = 0; i < 6; i++)
            ids[$"queued{i}"] = await EnqueueAsync(i % 2 == 0 ? Alpha : Beta, priority: (i % 3) * 50, id: $"q-{i}");
        return ids;
    }

    private async Task<IQueueStore> FreshStoreAsync() => await CreateStoreAsync(new StoreTestContext(Options));

    private static async Task<List<string>> DrainOrderAsync(IQueueStore store, string queue)
    {
        var order = new List<string>();
        while ((await store.LeaseAsync("drain", [queue], 1, LongLease)) is [var lease])
            order.Add(lease.TaskId);
        return order;
    }

    [Fact]
    public async Task Import_RestoresEveryTaskWithItsFieldsOrderAndCounters_WhenTheStoreIsFresh()
    {
        var ids = await FillWithEveryKindAsync();
        var snapshot = await Store.ExportAsync();
        var target = await FreshStoreAsync();
        try
        {
            var result = await target.ImportAsync(snapshot);

            result.Should().Be(new ImportResult(Imported: ids.Count, Skipped: 0, Requeued: 1));
            foreach (var (role, id) in ids.Where(r => r.Key is not ("processing" or "cancelRequested")))
                (await target.GetAsync(id)).Should().BeEquivalentTo(await Store.GetAsync(id),
                    // Places shift: the running task is queued again ahead of them (checked by the drain below).
                    o => o.Excluding(t => t!.QueuePosition).Excluding(t => t!.EstimatedWait), "the {0} task comes back exactly", role);

            var processing = (await target.GetAsync(ids["processing"]))!;
            processing.Status.Should().Be(QueueTaskStatus.Queued, "a task that was running comes back queued");
            processing.Attempts.Should().Be(0, "its interrupted attempt does not count");
            processing.LeaseExpiresAt.Should().BeNull();
            processing.Progress.Should().Be(new TaskProgress(40, "halfway", """{"chunk":2}"""));
            (await target.GetAsync(ids["cancelRequested"]))!.Status.Should().Be(QueueTaskStatus.Cancelled,
                "a running task with a cancel requested ends cancelled, as a hand-back would leave it");

            var before = await Store.GetStatsAsync();
            var after = await target.GetStatsAsync();
            foreach (var queue in new[] { Alpha, Beta })
            {
                after.Queues[queue].Should().BeEquivalentTo(before.Queues[queue] with
                {
                    Counts = after.Queues[queue].Counts,
                }, "counters and the moving average come back for {0}", queue);
            }

            // Run order: the restored queue leases in the order the snapshot had, the running task at its old place.
            (await DrainOrderAsync(target, Alpha)).Should().Equal(
                snapshot.Tasks.Where(t => t.Type == Alpha && t.Status is "queued" or "processing" && !t.CancelRequested)
                    .OrderBy(t => TaskScore.For(t.Priority, t.Seq)).Select(t => t.Id));
            (await DrainOrderAsync(target, Beta)).Should().Equal(
                snapshot.Tasks.Where(t => t.Type == Beta && t.Status == "queued")
                    .OrderBy(t => TaskScore.For(t.Priority, t.Seq)).Select(t => t.Id));
        }
        finally
        {
            await DisposeStoreAsync(target);
        }
    }

    [Fact]
    public async Task Import_CountsTasksCreatedOrFinishedAfterTheCountersWereRead_AsABackupUnderLoadLeavesThem()
    {
        await FillWithEveryKindAsync();
        var before = await Store.GetStatsAsync();
        var snapshot = await Store.ExportAsync();
        // As a backup that read the counters, then its pages while every task was created and finished: none is counted yet.
        snapshot.TakenAtMs = snapshot.Tasks.Min(t => t.CreatedAtMs) - 1;
        snapshot.Sequence = snapshot.Tasks.Min(t => t.CreatedSeq > 0 ? t.CreatedSeq : t.Seq) - 1;
        foreach (var queue in snapshot.Queues) (queue.Enqueued, queue.Completed, queue.Failed) = (0, 0, 0);
        var target = await FreshStoreAsync();
        try
        {
            await target.ImportAsync(snapshot);

            var after = await target.GetStatsAsync();
            foreach (var queue in new[] { Alpha, Beta })
            {
                after.Queues[queue].EnqueuedTotal.Should().Be(before.Queues[queue].EnqueuedTotal, "each task created after the counters were read counts once");
                after.Queues[queue].CompletedTotal.Should().Be(before.Queues[queue].CompletedTotal, "each completed task in the snapshot counts once");
                after.Queues[queue].FailedTotal.Should().Be(before.Queues[queue].FailedTotal, "each failed task in the snapshot counts once");
            }
            after.Queues[Beta].CompletedTotal.Should().Be(1);
        }
        finally
        {
            await DisposeStoreAsync(target);
        }
    }

    [Fact]
    public async Task Import_RestoresAHundredThousandTasksExactly_AcrossEveryStatus()
    {
        const int count = 100_000;
        await Store.EnqueueBatchAsync(Enumerable.Range(0, count)
            .Select(i => Job(i % 3 == 0 ? Alpha : Beta, priority: i % 101, payload: $$"""{"n":{{i}}}""")).ToList());
        await Store.EnqueueBatchAsync(Enumerable.Range(0, 1_000).Select(_ => Job(Alpha) with { Delay = TimeSpan.FromHours(1) }).ToList());
        var leased = new List<TaskLease>();
        for (var i = 0; i < 4; i++) leased.AddRange(await Store.LeaseAsync("worker-1", [Alpha, Beta], 1_000, LongLease));
        await Task.WhenAll(leased.Take(1_000).Select(l => Store.CompleteAsync(l, """{"text":"ok"}""")));
        await Task.WhenAll(leased.Skip(1_000).Take(1_000).Select(l => FailNowAsync(l, "engine crashed", retryable: false)));
        await Task.WhenAll(leased.Skip(2_000).Take(500).Select(l => Store.ReportProgressAsync(l, new TaskProgress(30, "a third"))));
        var toCancel = (await Store.ListAsync(new TaskQuery(QueueTaskStatus.Queued, Beta, 0, 1_000))).Items;
        await Task.WhenAll(toCancel.Select(t => Store.CancelAsync(t.Id)));
        var snapshot = await Store.ExportAsync();
        snapshot.Tasks.Should().HaveCount(count + 1_000);
        var target = await FreshStoreAsync();
        try
        {
            var result = await target.ImportAsync(snapshot);

            result.Should().Be(new ImportResult(Imported: count + 1_000, Skipped: 0, Requeued: 2_000));
            // Field by field, as JSON (FluentAssertions over 101,000 objects would take minutes).
            var restored = (await target.ExportAsync()).Tasks.ToDictionary(t => t.Id, t => System.Text.Json.JsonSerializer.Serialize(t));
            var mismatches = snapshot.Tasks
                .Select(t => SnapshotImport.Prepare(t, snapshot.TakenAtMs).Task)
                .Where(t => !restored.TryGetValue(t.Id, out var json) || json != System.Text.Json.JsonSerializer.Serialize(t))
                .Select(t => t.Id).Take(5).ToList();
            mismatches.Should().BeEmpty("every task comes back with every field (a running one queued again at its place)");
            foreach (var queue in new[] { Alpha, Beta })
            {
                var expected = snapshot.Tasks.Where(t => t.Type == queue && t.Status is "queued" or "processing" && t.Type == queue)
                    .OrderBy(t => TaskScore.For(t.Priority, t.Seq)).Select(t => t.Id).ToList();
                var actual = new List<string>();
                for (var offset = 0; offset < expected.Count; offset += TaskLimits.MaxPageSize)
                {
                    var page = await target.ListAsync(new TaskQuery(QueueTaskStatus.Queued, queue, offset, TaskLimits.MaxPageSize));
                    page.Items.Should().OnlyContain(t => t.QueuePosition == offset + 1 + page.Items.ToList().IndexOf(t));
                    actual.AddRange(page.Items.Select(t => t.Id));
                }
                actual.Should().Equal(expected, "queue {0} keeps its order and positions", queue);
            }
        }
        finally
        {
            await DisposeStoreAsync(target);
        }
    }

    [Fact]
    public async Task Import_CreatesNothingAndChangesNothing_WhenTheStoreHoldsEveryTask()
    {
        var ids = await FillWithEveryKindAsync();
        var snapshot = await Store.ExportAsync();
        var before = new Dictionary<string, QueueTask?>();
        foreach (var id in ids.Values) before[id] = await Store.GetAsync(id);

        var result = await Store.ImportAsync(snapshot);

        result.Should().Be(new ImportResult(Imported: 0, Skipped: ids.Count, Requeued: 0));
        foreach (var id in ids.Values)
            (await Store.GetAsync(id)).Should().BeEquivalentTo(before[id], "an import never overwrites a task the store holds");
    }

    [Fact]
    public async Task Import_PutsNewTasksBehindRestoredOnes_WhenEnqueuedAfterARestore()
    {
        var first = await EnqueueAsync(Alpha);
        var second = await EnqueueAsync(Alpha);
        var snapshot = await Store.ExportAsync();
        var target = await FreshStoreAsync();
        try
        {
            await target.ImportAsync(snapshot);
            var newer = (await target.EnqueueAsync(Job(Alpha))).Id;

            (await DrainOrderAsync(target, Alpha)).Should().Equal(first, second, newer);
        }
        finally
        {
            await DisposeStoreAsync(target);
        }
    }

    [Fact]
    public async Task Export_ReadsEveryTaskOnce_WhenThereAreMorePagesThanOne()
    {
        var batch = Enumerable.Range(0, 2_500).Select(i => Job(i % 2 == 0 ? Alpha : Beta, priority: i % 101)).ToList();
        var enqueued = await Store.EnqueueBatchAsync(batch);

        var snapshot = await Store.ExportAsync();

        snapshot.Tasks.Select(t => t.Id).Should().BeEquivalentTo(enqueued.Select(e => e.Id));
        snapshot.Tasks.Select(t => t.CreatedSeq).Should().BeInAscendingOrder("pages follow creation order");
        snapshot.Sequence.Should().BeGreaterThanOrEqualTo(snapshot.Tasks.Max(t => t.Seq));
        snapshot.Store.Should().Be(Store.Kind);
    }

    [Fact]
    public async Task Import_TakesTheSnapshotsEpoch_WhenTheStoreIsFresh()
    {
        await EnqueueAsync(Alpha);
        var snapshot = await Store.ExportAsync();
        snapshot.Epoch = "epoch-from-the-backup";
        var target = await FreshStoreAsync();
        try
        {
            await target.ImportAsync(snapshot);

            (await target.GetEpochAsync()).Should().Be("epoch-from-the-backup");
        }
        finally
        {
            await DisposeStoreAsync(target);
        }
    }

    [Fact]
    public async Task Import_StoresNoneOfAStep_WhenOneTaskIsInvalid()
    {
        await EnqueueAsync(Alpha);
        var snapshot = await Store.ExportAsync();
        snapshot.Tasks.Add(new SnapshotTask { Id = "bad", Type = Alpha, PayloadJson = "{}", Status = "exploded", Seq = 99 });
        var target = await FreshStoreAsync();
        try
        {
            var refusal = (await target.Invoking(t => t.ImportAsync(snapshot)).Should().ThrowAsync<QueueStoreException>()).Which;

            refusal.Error.Should().Be(StoreError.Invalid);
            refusal.Field.Should().Be("tasks");
            refusal.Message.Should().Contain("bad").And.Contain("exploded");
            (await target.GetAsync(snapshot.Tasks[0].Id)).Should().BeNull("the step is validated before any of it is stored");
        }
        finally
        {
            await DisposeStoreAsync(target);
        }
    }

    [Fact]
    public async Task TryLock_GivesTheLockToOneOwnerUntilItsTtlRunsOut_WhenTwoContend()
    {
        // Long enough that a stalled call on a busy machine cannot let the lock lapse before "api-1 holds it".
        var ttl = TimeSpan.FromSeconds(2);
        (await Store.TryLockAsync("backup", "api-1", ttl)).Should().BeTrue();
        (await Store.TryLockAsync("backup", "api-2", ttl)).Should().BeFalse("api-1 holds it");
        (await Store.TryLockAsync("backup", "api-1", ttl)).Should().BeTrue("the holder renews it");
        (await Store.TryLockAsync("other", "api-2", ttl)).Should().BeTrue("locks are per name");

        await Eventually.TrueAsync(ct => Store.TryLockAsync("backup", "api-2", LongLease, ct), Patience,
            "once api-1 stops renewing, the lock frees after its ttl");
        (await Store.TryLockAsync("backup", "api-1", ShortLease)).Should().BeFalse("api-2 holds it now");
    }

    [Fact]
    public async Task TryLock_RefusesEmptyNamesOwnersAndBadTtls()
    {
        await AssertInvalidAsync("name", () => Store.TryLockAsync(" ", "api-1", LongLease));
        await AssertInvalidAsync("owner", () => Store.TryLockAsync("backup", "", LongLease));
        await AssertInvalidAsync("ttl", () => Store.TryLockAsync("backup", "api-1", TimeSpan.Zero));
    }

    private static async Task DisposeStoreAsync(IQueueStore store)
    {
        if (store is IAsyncDisposable d) await d.DisposeAsync();
    }
}
