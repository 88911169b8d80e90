using QueueService.Snapshots;
using QueueService.Stores.Failover;
using QueueService.Tasks;

namespace QueueService.Tests.Snapshots;

/// <summary>The rules by which a restore merges the redo log into the snapshot (pure; the end-to-end runs are in RedoRestoreTests).</summary>
public sealed class RedoMergeTests
{
    private static readonly DateTimeOffset Taken = new(2026, 11, 23, 20, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = Taken.AddMinutes(3);

    private static SnapshotTask Task(string id, QueueTaskStatus status, long seq, int attempts = 0, long? token = null, long updatedMs = 0) => new()
    {
        Id = id, Type = "alpha", PayloadJson = "{}", Status = status.ToWire(), Seq = seq, CreatedSeq = seq, Attempts = attempts, LeaseToken = token,
        WorkerId = token is null ? null : "old-worker", CreatedAtMs = Taken.AddMinutes(-10).ToUnixTimeMilliseconds(),
        UpdatedAtMs = updatedMs == 0 ? Taken.AddMinutes(-5).ToUnixTimeMilliseconds() : updatedMs,
    };

    private static StoreSnapshot Snapshot(params SnapshotTask[] tasks) => new()
    {
        Epoch = "e1", Store = "redis", Sequence = 10, TakenAtMs = Taken.ToUnixTimeMilliseconds(), Tasks = [.. tasks],
        Queues = [new SnapshotQueueStats { Type = "alpha", Enqueued = tasks.Length }],
    };

    private static JournalEntry Enqueued(string id, DateTimeOffset at, DateTimeOffset? runAt = null) =>
        new(JournalEntryKind.Enqueued, id, at, new NewTask("alpha", $$"""{"id":"{{id}}"}""") { Id = id, Priority = 5, MaxRetries = 2, RunAt = runAt });

    private static JournalEntry Started(string id, DateTimeOffset at, int attempt, long token, string worker = "w-1") =>
        new(JournalEntryKind.Started, id, at, Attempt: attempt, WorkerId: worker, LeaseToken: token);

    [Fact]
    public void Build_ReturnsTheSnapshotItself_WhenTheLogIsEmpty()
    {
        var snapshot = Snapshot(Task("a", QueueTaskStatus.Queued, 1));

        var plan = RedoMerge.Build(snapshot, [], Now);

        plan.Snapshot.Should().BeSameAs(snapshot, "an empty redo log leaves the restore exactly as it was");
        plan.Changes.Should().BeEmpty();
    }

    [Fact]
    public void Build_AddsTheTasksEnqueuedSinceInLogOrderBehindTheSnapshot_WhenTheSnapshotLacksThem()
    {
        var snapshot = Snapshot(Task("a", QueueTaskStatus.Queued, 1));
        var log = new[]
        {
            Enqueued("purged", Taken.AddMinutes(-4)), // before the snapshot and not in it: finished and purged since
            Enqueued("a", Taken.AddSeconds(1)), // in the snapshot already
            Enqueued("n1", Taken.AddSeconds(2)),
            Enqueued("n2", Taken.AddSeconds(3), runAt: Now.AddHours(1)),
            Enqueued("n1", Taken.AddSeconds(4)), // logged twice (a drain repeated): once
            Enqueued("n3", Taken.AddSeconds(5), runAt: Now.AddSeconds(-1)),
        };

        var plan = RedoMerge.Build(snapshot, log, Now);

        plan.EnqueuedRestored.Should().Be(3);
        var added = plan.Snapshot.Tasks.Skip(1).ToList();
        const long from = 10 + RedoMerge.UnloggedNumbersMargin;
        added.Select(t => (t.Id, t.Seq, t.Status)).Should().Equal(("n1", from + 1, "queued"), ("n2", from + 2, "scheduled"), ("n3", from + 3, "queued"));
        added[1].ScheduledForMs.Should().Be(Now.AddHours(1).ToUnixTimeMilliseconds());
        added[0].Should().BeEquivalentTo(new { Type = "alpha", PayloadJson = """{"id":"n1"}""", Priority = 5, MaxRetries = 2, CreatedSeq = from + 1,
            CreatedAtMs = Taken.AddSeconds(2).ToUnixTimeMilliseconds() });
        plan.Snapshot.Sequence.Should().Be(snapshot.Sequence, "the counters' sequence stays the snapshot's: the import raises the store's past the added tasks");
        plan.Snapshot.Queues.Single().Enqueued.Should().Be(1, "the counters stay the snapshot's");
        SnapshotImport.CountersAsOfTasks(plan.Snapshot).Single().Enqueued.Should().Be(4, "the import counts each task created after the snapshot once");
        snapshot.Tasks.Should().HaveCount(1, "the snapshot read from the file is not changed");
        snapshot.Queues.Single().Enqueued.Should().Be(1);
    }

    private static JournalEntry Change(JournalEntryKind kind, string id, DateTimeOffset at) => new(kind, id, at);

    [Fact]
    public void Build_GivesARetriedAndStartedTaskToItsWorker_WhenTheSnapshotHoldsItFinishedOrCancelled()
    {
        var snapshot = Snapshot(
            Task("failed", QueueTaskStatus.Failed, 1, attempts: 3),
            Task("failed-twice", QueueTaskStatus.Failed, 2, attempts: 3),
            Task("queued", QueueTaskStatus.Queued, 3));
        var log = new[]
        {
            Started("failed-twice", Taken.AddMinutes(-6), attempt: 3, token: 4), // the attempt that failed, before the snapshot
            Change(JournalEntryKind.Retried, "failed", Taken.AddSeconds(1)),
            Started("failed", Taken.AddSeconds(2), attempt: 1, token: 21),
            Change(JournalEntryKind.Retried, "failed-twice", Taken.AddSeconds(3)),
            Started("failed-twice", Taken.AddSeconds(4), attempt: 1, token: 22),
            Change(JournalEntryKind.Cancelled, "queued", Taken.AddSeconds(5)),
            Change(JournalEntryKind.Retried, "queued", Taken.AddSeconds(6)),
            Started("queued", Taken.AddSeconds(7), attempt: 1, token: 23),
        };

        var plan = RedoMerge.Build(snapshot, log, Now);

        var byId = plan.Snapshot.Tasks.ToDictionary(t => t.Id);
        byId["failed"].Should().BeEquivalentTo(new { Status = "processing", Attempts = 1, LeaseToken = 21L },
            "retried after the snapshot and started again: its worker holds it, it must not run a second time");
        byId["failed-twice"].Should().BeEquivalentTo(new { Status = "processing", Attempts = 1, LeaseToken = 22L },
            "the latest start is the last logged one, not the highest attempt: a retry resets the attempts");
        byId["queued"].Should().BeEquivalentTo(new { Status = "processing", LeaseToken = 23L });
        plan.Changes.Should().BeEmpty("each cancel and retry came before the start the task comes back under, which followed it");
    }

    [Fact]
    public void Build_KeepsACancelLoggedAfterTheStart_ForTheRunningTask()
    {
        var snapshot = Snapshot(Task("running", QueueTaskStatus.Queued, 1));
        var cancel = Change(JournalEntryKind.Cancelled, "running", Taken.AddSeconds(2));
        var log = new[] { Started("running", Taken.AddSeconds(1), attempt: 1, token: 21), cancel };

        var plan = RedoMerge.Build(snapshot, log, Now);

        plan.Snapshot.Tasks.Single().Status.Should().Be("processing");
        plan.Changes.Should().Equal([cancel], "a cancel after the start asks the running task to stop, as it did when made");
    }

    [Fact]
    public void Build_NumbersTheLogsTasksAboveEveryNumberTheSnapshotAndLogHold_NotOnlyItsSequence()
    {
        // Enqueued while the export ran: its numbers are above the sequence the export read first.
        var late = Task("late", QueueTaskStatus.Processing, seq: 40, attempts: 1, token: 55);
        var snapshot = Snapshot(Task("a", QueueTaskStatus.Queued, 1), late);
        var log = new[]
        {
            Enqueued("n1", Taken.AddSeconds(2)),
            Started("elsewhere", Taken.AddSeconds(3), attempt: 1, token: 70), // a lease of a task neither holds
        };

        var plan = RedoMerge.Build(snapshot, log, Now);

        var added = plan.Snapshot.Tasks.Single(t => t.Id == "n1");
        added.CreatedSeq.Should().Be(70 + RedoMerge.UnloggedNumbersMargin + 1,
            "a creation number shared with a snapshot task would make a paged export skip one of them, and a new lease must not reuse a token");
        added.Seq.Should().Be(added.CreatedSeq);
        plan.Snapshot.Sequence.Should().Be(snapshot.Sequence, "the counters' sequence; the import raises the store's past the added task");
    }

    [Fact]
    public void Build_PutsTasksUnderTheLoggedLease_WhenAStartFollowsTheSnapshotsView()
    {
        var snapshot = Snapshot(
            Task("queued", QueueTaskStatus.Queued, 1),
            Task("same-lease", QueueTaskStatus.Processing, 2, attempts: 1, token: 5),
            Task("next-attempt", QueueTaskStatus.Processing, 3, attempts: 1, token: 6),
            Task("done", QueueTaskStatus.Completed, 4, attempts: 1),
            Task("older-start", QueueTaskStatus.Scheduled, 5, attempts: 2),
            Task("handed-back", QueueTaskStatus.Queued, 6, attempts: 0, updatedMs: Taken.AddSeconds(-20).ToUnixTimeMilliseconds()));
        var log = new[]
        {
            Started("queued", Taken.AddSeconds(1), attempt: 1, token: 21),
            Started("same-lease", Taken.AddSeconds(-30), attempt: 1, token: 5),
            Started("next-attempt", Taken.AddSeconds(2), attempt: 2, token: 22),
            Started("done", Taken.AddSeconds(3), attempt: 2, token: 23),
            Started("older-start", Taken.AddMinutes(-6), attempt: 2, token: 4),
            Started("handed-back", Taken.AddSeconds(-25), attempt: 1, token: 7),
            Enqueued("new", Taken.AddSeconds(4)),
            Started("new", Taken.AddSeconds(5), attempt: 1, token: 24, worker: "w-2"),
        };

        var plan = RedoMerge.Build(snapshot, log, Now);

        var byId = plan.Snapshot.Tasks.ToDictionary(t => t.Id);
        byId["queued"].Should().BeEquivalentTo(new { Status = "processing", Attempts = 1, LeaseToken = 21L, WorkerId = "w-1", StartedAtMs = Taken.AddSeconds(1).ToUnixTimeMilliseconds() });
        byId["same-lease"].Should().BeSameAs(snapshot.Tasks[1], "the snapshot holds that very lease already");
        byId["next-attempt"].Should().BeEquivalentTo(new { Status = "processing", Attempts = 2, LeaseToken = 22L });
        byId["done"].Status.Should().Be("completed", "a finished task stays finished");
        byId["older-start"].Status.Should().Be("scheduled", "that attempt failed after the start and waits for its retry: the snapshot's view is later");
        byId["handed-back"].Status.Should().Be("queued", "the worker handed it back after that start, before the snapshot");
        byId["new"].Should().BeEquivalentTo(new { Status = "processing", Attempts = 1, LeaseToken = 24L, WorkerId = "w-2", Seq = 24 + RedoMerge.UnloggedNumbersMargin + 1 });
        plan.Leased.Should().Be(3);
        snapshot.Tasks[0].Status.Should().Be("queued", "the snapshot read from the file is not changed");
    }

    [Fact]
    public void Build_KeepsTheCancelsAndRetriesTheSnapshotDoesNotShowYet_InLogOrder()
    {
        var updated = Taken.AddSeconds(-10);
        var snapshot = Snapshot(Task("a", QueueTaskStatus.Queued, 1, updatedMs: updated.ToUnixTimeMilliseconds()));
        var log = new[]
        {
            new JournalEntry(JournalEntryKind.Cancelled, "a", Taken.AddMinutes(-4)), // long before the snapshot
            new JournalEntry(JournalEntryKind.Retried, "a", updated.AddSeconds(-1)), // before the task's last change in the snapshot
            new JournalEntry(JournalEntryKind.Cancelled, "a", Taken.AddSeconds(1)),
            Enqueued("b", Taken.AddSeconds(2)),
            new JournalEntry(JournalEntryKind.Cancelled, "b", Taken.AddSeconds(3)),
            new JournalEntry(JournalEntryKind.Retried, "a", Taken.AddSeconds(4)),
        };

        var plan = RedoMerge.Build(snapshot, log, Now);

        plan.Changes.Select(c => (c.Kind, c.TaskId)).Should().Equal(
            (JournalEntryKind.Cancelled, "a"), (JournalEntryKind.Cancelled, "b"), (JournalEntryKind.Retried, "a"));
    }
}
