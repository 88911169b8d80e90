using QueueService.Tasks;

namespace QueueService.Stores;

/// <summary>
/// The queue's storage contract, in transitions and queries. <c>RedisQueueStore</c> and
/// <c>InMemoryQueueStore</c> implement it with identical semantics, proven by one contract suite.
/// Every transition is atomic: it applies whole or not at all. All times are the store's clock
/// (Redis <c>TIME</c>; the injected <see cref="TimeProvider"/> in memory).
/// Every method may also throw <see cref="QueueStoreException"/> with <see cref="StoreError.Unavailable"/>
/// when the storage cannot be reached or times out (a transition sent before that may still have
/// applied: worth retrying), or with <see cref="StoreError.Internal"/> when the storage rejects the
/// operation itself (a script bug, a misconfigured server: retrying cannot help). No other exception
/// from the storage client escapes.
/// </summary>
public interface IQueueStore
{
    /// <summary>A short name for logs and health: <c>redis</c> or <c>memory</c>.</summary>
    string Kind { get; }

    /// <summary>Adds one task: queued (or scheduled when it has a future <see cref="NewTask.Delay"/>/<see cref="NewTask.RunAt"/>).</summary>
    /// <returns>The id and where it stands. When <see cref="NewTask.Id"/> names an existing task nothing changes and <see cref="EnqueueResult.Created"/> is false.</returns>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> for any field outside its rules (<see cref="TaskLimits.Validate"/>); nothing is stored.</exception>
    Task<EnqueueResult> EnqueueAsync(NewTask task, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds many tasks, in the given order (FIFO among equal priorities follows the list). Every task is
    /// validated before any is stored. Up to 1,000 tasks apply atomically; a larger batch may be applied
    /// in several steps of 1,000 (Redis: one script call each), so a storage failure part-way can leave
    /// the earlier steps stored; re-sending with the same ids is safe.
    /// </summary>
    /// <returns>One result per task, in order.</returns>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> if any task is invalid: then none is stored.</exception>
    Task<IReadOnlyList<EnqueueResult>> EnqueueBatchAsync(IReadOnlyList<NewTask> tasks, CancellationToken cancellationToken = default);

    /// <summary>
    /// Leases up to <paramref name="maxTasks"/> queued tasks from <paramref name="queues"/> for <paramref name="workerId"/>:
    /// highest priority first across all the listed queues, then oldest. Each becomes processing, its
    /// attempts grow by one and it gets a fresh lease token expiring after <paramref name="leaseDuration"/>.
    /// Due scheduled tasks (of any queue) are promoted first, so a retry never waits for a separate promoter.
    /// </summary>
    /// <returns>The leases, in run order; empty when nothing is queued.</returns>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> for an empty worker id, no queues, a bad queue name, <paramref name="maxTasks"/> outside 1–1000, or a duration outside (0, 24 h].</exception>
    Task<IReadOnlyList<TaskLease>> LeaseAsync(string workerId, IReadOnlyList<string> queues, int maxTasks,
        TimeSpan leaseDuration, CancellationToken cancellationToken = default);

    /// <summary>
    /// Renews a lease to <paramref name="leaseDuration"/> from now, but never past its ceiling,
    /// <c>startedAt + </c><see cref="QueueStoreOptions.MaxProcessingTime"/><c> + </c><see cref="QueueStoreOptions.LeaseCeilingGrace"/>
    /// (then <see cref="HeartbeatResult.IsLeaseCapped"/>), and tells whether a cancel was requested. Lease bookkeeping
    /// only: <see cref="QueueTask.UpdatedAt"/> does not change.
    /// </summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.LeaseNotHeld"/> when the lease is no longer the task's (reclaimed, finished, purged); <see cref="StoreError.NotFound"/> when the task is gone.</exception>
    Task<HeartbeatResult> HeartbeatAsync(TaskLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken = default);

    /// <summary>Records the lease holder's progress (percent clamped to 0–100); an empty message or details reads back as null. Changes <see cref="QueueTask.UpdatedAt"/>.</summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.LeaseNotHeld"/>, <see cref="StoreError.NotFound"/>; <see cref="StoreError.Invalid"/> for details over the payload limit.</exception>
    Task ReportProgressAsync(TaskLease lease, TaskProgress progress, CancellationToken cancellationToken = default);

    /// <summary>processing → completed with a result (JSON text, may be null), only for the current lease holder. Updates the queue's moving average of processing time.</summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.LeaseNotHeld"/> for a stale worker's late result (the task is left as it is); <see cref="StoreError.NotFound"/>.</exception>
    Task CompleteAsync(TaskLease lease, string? resultJson, CancellationToken cancellationToken = default);

    /// <summary>
    /// A worker's hot path in one atomic step (Redis: one round trip): records each of <paramref name="completions"/> exactly
    /// as <see cref="CompleteAsync"/> would, each on its own (a refused one changes nothing and does not stop the others),
    /// then leases up to <paramref name="maxTasks"/> tasks exactly as <see cref="LeaseAsync"/> would, so the slots the
    /// completions freed are filled without a second call. Events: the completions' <c>completed</c>, then the promotions'
    /// <c>queued</c>, then the leases' <c>started</c>.
    /// </summary>
    /// <param name="completions">0–1000 finished attempts, recorded in this order.</param>
    /// <param name="workerId">The worker leasing (as <see cref="LeaseAsync"/>).</param>
    /// <param name="queues">The queues to lease from (as <see cref="LeaseAsync"/>).</param>
    /// <param name="maxTasks">0–1000 tasks to lease; 0 only records the completions.</param>
    /// <param name="leaseDuration">As <see cref="LeaseAsync"/>.</param>
    /// <param name="cancellationToken">Stops waiting before the call is sent.</param>
    /// <returns>One refusal or null per completion, in order, and the new leases in run order.</returns>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> for more than 1,000 completions, a <paramref name="maxTasks"/> outside 0–1000,
    /// or lease arguments <see cref="LeaseAsync"/> refuses (even with <paramref name="maxTasks"/> 0); nothing is recorded then.</exception>
    Task<CompleteAndLeaseResult> CompleteAndLeaseAsync(IReadOnlyList<TaskCompletion> completions, string workerId, IReadOnlyList<string> queues,
        int maxTasks, TimeSpan leaseDuration, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a failed attempt. processing → scheduled (retry after backoff) when the failure is
    /// retryable and <c>attempt ≤ maxRetries</c>; → failed otherwise; → cancelled when a cancel was requested.
    /// The error joins the task's history either way, with kind <see cref="TaskErrorKinds.Error"/> when
    /// <see cref="TaskFailure.Kind"/> is null, empty or blank.
    /// </summary>
    /// <returns>The new status and, when scheduled, when the retry is due.</returns>
    /// <exception cref="QueueStoreException"><see cref="StoreError.LeaseNotHeld"/>; <see cref="StoreError.NotFound"/>.</exception>
    Task<FailOutcome> FailAsync(TaskLease lease, TaskFailure failure, CancellationToken cancellationToken = default);

    /// <summary>
    /// Hands a leased task back unfinished (graceful shutdown): processing → queued at its original
    /// place (priority and sequence kept); → cancelled when a cancel was requested. Either way the attempt
    /// does not count: attempts go back down by one.
    /// </summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.LeaseNotHeld"/>; <see cref="StoreError.NotFound"/>.</exception>
    Task ReleaseAsync(TaskLease lease, CancellationToken cancellationToken = default);

    /// <summary>The lease holder confirms it stopped because of a requested cancel: processing → cancelled.</summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.LeaseNotHeld"/>; <see cref="StoreError.NotFound"/>.</exception>
    Task ConfirmCancelAsync(TaskLease lease, CancellationToken cancellationToken = default);

    /// <summary>Cancels a task: queued or scheduled → cancelled at once; processing → cancel requested (the worker learns it at its next heartbeat; <see cref="QueueTask.UpdatedAt"/> changes). Cancelling a processing task twice is allowed and answers <see cref="CancelOutcome.CancelRequested"/> again.</summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.NotFound"/>; <see cref="StoreError.IllegalTransition"/> for completed, failed or cancelled tasks (nothing changes); <see cref="StoreError.Invalid"/> (field <c>id</c>) for a null or empty id.</exception>
    Task<CancelOutcome> CancelAsync(string taskId, CancellationToken cancellationToken = default);

    /// <summary>Re-queues a failed or cancelled task by hand: → queued at the back of its priority, attempts reset to 0, error history kept, result and progress cleared.</summary>
    /// <returns>The task as it is now (queued, with its position).</returns>
    /// <exception cref="QueueStoreException"><see cref="StoreError.NotFound"/>; <see cref="StoreError.IllegalTransition"/> for queued, scheduled, processing or completed tasks (nothing changes); <see cref="StoreError.Invalid"/> (field <c>id</c>) for a null or empty id.</exception>
    Task<QueueTask> RetryAsync(string taskId, CancellationToken cancellationToken = default);

    /// <summary>Reads one task, with its queue position and estimated wait when queued.</summary>
    /// <returns>The task, or null when no task has that id.</returns>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> (field <c>id</c>) for a null or empty id.</exception>
    Task<QueueTask?> GetAsync(string taskId, CancellationToken cancellationToken = default);

    /// <summary>Lists tasks, filtered and paged (order in <see cref="TaskQuery"/>); queued items carry their position and estimated wait. O(log N + page).</summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> for a bad query.</exception>
    Task<TaskPage> ListAsync(TaskQuery query, CancellationToken cancellationToken = default);

    /// <summary>Counts per queue and status, lifetime totals, and moving averages. O(queues), never a scan of tasks.</summary>
    Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken = default);

    /// <summary>Moves up to <paramref name="maxTasks"/> due scheduled tasks to their queues (each gets a new sequence: the back of its priority).</summary>
    /// <returns>How many were promoted.</returns>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> (field <c>maxTasks</c>) when <paramref name="maxTasks"/> is below 1.</exception>
    Task<int> PromoteDueAsync(int maxTasks = 1000, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reclaims up to <paramref name="maxTasks"/> tasks whose lease expired: → queued at their original
    /// place when attempts remain (<c>attempt ≤ maxRetries</c>), → failed when spent, → cancelled when a
    /// cancel was pending. Each gets a <see cref="TaskErrorKinds.LeaseExpired"/> history entry reading exactly
    /// <c>The lease of worker &lt;workerId&gt; expired before the task finished.</c> (<see cref="TaskLimits.LeaseExpiredMessage"/>;
    /// worker <c>unknown</c> when none is recorded).
    /// A lease that expired after the attempt ran for <see cref="QueueStoreOptions.MaxProcessingTime"/> or longer (a hung
    /// handler's lease reaching its ceiling) is a time-out instead, handled as a retryable failure: → scheduled after
    /// the backoff of its attempt when attempts remain, → failed when spent, → cancelled when a cancel was pending; its
    /// <see cref="TaskErrorKinds.Timeout"/> entry reads exactly <see cref="TaskLimits.TimedOutMessage"/>, and its
    /// <see cref="ReapedTask.Reason"/> is <see cref="ReapReason.TimedOut"/>.
    /// </summary>
    /// <returns>What was reclaimed, with the worker that held each and why.</returns>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> (field <c>maxTasks</c>) when <paramref name="maxTasks"/> is below 1.</exception>
    Task<IReadOnlyList<ReapedTask>> ReapExpiredAsync(int maxTasks = 1000, CancellationToken cancellationToken = default);

    /// <summary>Deletes up to <paramref name="maxTasks"/> (Redis: in script calls of at most 1,000) completed, failed and cancelled tasks that finished more than <paramref name="olderThan"/> ago, the oldest first across the three statuses (by finish time).</summary>
    /// <returns>How many were deleted; fewer than <paramref name="maxTasks"/> means none older is left.</returns>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> for a negative age (field <c>olderThan</c>) or <paramref name="maxTasks"/> below 1 (field <c>maxTasks</c>).</exception>
    Task<long> PurgeFinishedAsync(TimeSpan olderThan, int maxTasks = 10_000, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits until a task may be available on one of <paramref name="queues"/> (an enqueue, retry,
    /// promotion or release there) or <paramref name="maxWait"/> passes. A hint, not a promise:
    /// callers lease afterwards and may find nothing. Returns true at once when one of the queues
    /// already holds queued tasks, so a worker that leased nothing and then waits cannot sleep
    /// through a task enqueued in between. A <paramref name="maxWait"/> of zero only looks: true when
    /// work is queued, else false.
    /// </summary>
    /// <returns>True when work is queued or a signal came, false on time-out.</returns>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> for no queues, a bad queue name or a negative wait.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    Task<bool> WaitForWorkAsync(IReadOnlyList<string> queues, TimeSpan maxWait, CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes to this store's task events (<see cref="TaskEvent"/>): one per task per change that
    /// applied, in the order the changes were made; a refused change publishes none. Every transition
    /// publishes (enqueue, lease, progress, complete, fail, release, confirm-cancel, cancel, retry,
    /// promote, reap; a lease that promotes due tasks publishes their <c>queued</c> events before its
    /// <c>started</c> ones); heartbeats, purges and restores (<see cref="ImportAsync(Snapshots.StoreSnapshot, CancellationToken)"/>) publish none.
    /// Redis: the script that makes a change publishes its events on the namespace's events channel, so a
    /// subscriber sees the changes every process makes; memory: an in-process broadcast.
    /// Delivery is at most once: events published while the subscription's connection is down are lost
    /// (Redis pub/sub keeps nothing), and a reader more than <paramref name="capacity"/> events behind
    /// loses the oldest (<see cref="TaskEventSubscription.DroppedCount"/>). A subscriber that must know
    /// where a task stands re-reads it (<see cref="GetAsync"/>) after subscribing and after any gap.
    /// </summary>
    /// <param name="capacity">How many unread events the subscription buffers before it drops the oldest.</param>
    /// <param name="cancellationToken">Stops waiting for the subscription to start.</param>
    /// <returns>A live subscription: every change made after this call returns reaches it (barring the losses above). Dispose it to stop.</returns>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> (field <c>capacity</c>) outside 1–<see cref="TaskEventSubscription.MaxCapacity"/>.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    Task<TaskEventSubscription> SubscribeEventsAsync(int capacity = TaskEventSubscription.DefaultCapacity, CancellationToken cancellationToken = default);

    /// <summary>
    /// Registers a worker in the live registry, or refreshes its entry: its fields are replaced and
    /// <see cref="WorkerInfo.LastHeartbeatAt"/> becomes now (the store's clock). A worker that stops
    /// refreshing drops out <paramref name="ttl"/> after its last registration.
    /// </summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> (nothing is stored) for an empty worker id (field <c>workerId</c>), a <paramref name="ttl"/> outside (0, 1 h] (field <c>ttl</c>), a bad queue name (field <c>queues</c>, <see cref="TaskLimits.ValidateQueueName"/>), a concurrency below 1, or a missing list.</exception>
    Task RegisterWorkerAsync(WorkerInfo worker, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>Removes a worker from the registry (on shutdown). An unknown or already expired id is a no-op.</summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> (field <c>workerId</c>) for a null or blank id.</exception>
    Task UnregisterWorkerAsync(string workerId, CancellationToken cancellationToken = default);

    /// <summary>The live workers (registered, and refreshed within their ttl), ordered by id (ordinal). Expired entries are removed on the way.</summary>
    /// <returns>The workers, each with the fields of its last registration; empty when none is live.</returns>
    Task<IReadOnlyList<WorkerInfo>> ListWorkersAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The store's epoch: a random id written when its state began (Redis: the first time the namespace
    /// is initialised; memory: when the store was made). A snapshot carries it, so a restart can tell
    /// "the store still holds the state this snapshot came from" from "the store lost it".
    /// </summary>
    /// <returns>The epoch, or null when the store holds none (a Redis namespace never initialised, or flushed).</returns>
    Task<string?> GetEpochAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the whole state for a backup, a page at a time: the first part holds the epoch, the
    /// sequence, each queue's counters and moving average, and the first tasks; each later part only
    /// the next page of tasks (its other fields empty). Tasks come in creation order, every field of
    /// each, each page one atomic read (Redis: one script; memory: one short hold of the lock) taken
    /// only when the caller asks for the next part, so the queue is never stopped for the whole
    /// export and the caller can write each page away before the next is read: every task is exact
    /// as of its page, each appears once, and one created or purged meanwhile may or may not be in it.
    /// <see cref="QueueStoreExtensions.ExportAsync"/> gathers the parts into one snapshot.
    /// </summary>
    IAsyncEnumerable<Snapshots.StoreSnapshot> ExportPagesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Loads a snapshot into the store, for a restore. Every task whose id the store does not hold is
    /// created with all its fields, its run order (<see cref="Snapshots.SnapshotTask.Seq"/>) and its
    /// indexes; a task that was <c>processing</c> comes back <c>queued</c> at its place, its lease gone
    /// and its attempt not counted, as a hand-back at shutdown would leave it; a scheduled one keeps its
    /// due time. A task the store already holds is left exactly as it is: nothing is duplicated or
    /// overwritten. The sequence rises to at least the highest in the snapshot, a queue's counters and
    /// average are taken from the snapshot when the store has none, and the store takes the snapshot's
    /// epoch when it holds none (memory: when it holds no task yet). Applied in steps of at most 1,000
    /// tasks; an interruption leaves the earlier steps, and importing again completes it.
    /// </summary>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> for a task the store could not hold (an unknown status, a bad queue name, an empty id; field <c>tasks</c>, the message names the task); nothing of that step is stored.</exception>
    Task<Snapshots.ImportResult> ImportAsync(Snapshots.StoreSnapshot snapshot, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="ImportAsync(Snapshots.StoreSnapshot, CancellationToken)"/> with <paramref name="options"/>:
    /// <see cref="Snapshots.ImportOptions.HoldLeasesFor"/> brings processing tasks that name their worker and lease
    /// token back under that lease instead of queued (<see cref="Snapshots.ImportResult.Held"/>); one without them is
    /// still re-queued (<see cref="Snapshots.ImportResult.Requeued"/>).
    /// </summary>
    /// <exception cref="QueueStoreException">As the plain import; also <see cref="StoreError.Invalid"/> (field <c>options</c>) for a hold that is not within (0, 1 h].</exception>
    Task<Snapshots.ImportResult> ImportAsync(Snapshots.StoreSnapshot snapshot, Snapshots.ImportOptions options, CancellationToken cancellationToken = default);

    /// <summary>
    /// The leases the store holds for <paramref name="workerId"/>: every <c>processing</c> task whose lease
    /// names that worker, expired or not (a lease the reaper has not reclaimed yet can still be renewed).
    /// A worker compares them with the tasks it runs after an outage: a lease it holds but does not run
    /// (brought back by a restore, or left by an earlier process with the same id) is one whose outcome it
    /// recorded before Redis lost it, or one to hand back. Cost: O(processing tasks), not O(queue depth).
    /// </summary>
    /// <returns>The leases, ordered by task id (ordinal); empty when the worker holds none.</returns>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> (field <c>workerId</c>) for a null or blank id.</exception>
    Task<IReadOnlyList<TaskLease>> ListLeasesAsync(string workerId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the named lock for <paramref name="owner"/>, or renews it when <paramref name="owner"/> holds
    /// it already, until <paramref name="ttl"/> from now; it is free again once that passes unrenewed
    /// (Redis: <c>SET NX PX</c>). Several processes sharing one store use it so that one of them does a
    /// periodic job (the backup). The in-memory store is one process: its lock only orders its callers.
    /// </summary>
    /// <returns>True when <paramref name="owner"/> holds the lock now.</returns>
    /// <exception cref="QueueStoreException"><see cref="StoreError.Invalid"/> for an empty name or owner, or a <paramref name="ttl"/> outside (0, 1 day].</exception>
    Task<bool> TryLockAsync(string name, string owner, TimeSpan ttl, CancellationToken cancellationToken = default);
}
