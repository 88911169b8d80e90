using System.Net.WebSockets;
using System.Threading.Channels;
using QueueHttpApi.Tasks;
using QueueService.Stores;
using QueueService.Tasks;

namespace QueueHttpApi.Events;

/// <summary>
/// What <c>/ws/tasks/{id}</c> sends for one task: a <c>snapshot</c> first, then the task's events, and
/// <c>position</c> messages while it is queued and its place in line or estimated wait changes; it closes
/// (1000) after a terminal event. Position is re-read from the store when another event of the queue could
/// have moved it, at most once per <see cref="TaskEventOptions.PositionInterval"/>; every
/// <see cref="TaskEventOptions.ResyncInterval"/> the task is re-read anyway, and a change no event told of
/// (an event lost in transit) is sent as a fresh <c>snapshot</c>.
/// </summary>
/// <remarks>
/// The watch is registered before the snapshot is read, so no change falls between the two: events that
/// arrive before the snapshot is sent wait, and those older than it (already in it) are skipped. A position
/// read is discarded when an event of the task arrived while it was in flight, so a position never follows
/// the event that made it stale.
/// </remarks>
internal sealed class TaskWatch(string taskId, string queue, EventSocket socket, IQueueStore store,
    TaskEventBroadcaster broadcaster, TaskEventOptions options, TimeProvider time, ILogger logger)
{
    private readonly Lock _lock = new();
    // Wakes the re-read loop; one pending wake-up is enough however many events asked for it.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private List<(TaskEvent Event, byte[] Message)>? _early = [];
    private bool _queueMovedEarly;
    private bool _forceResync;
    private bool _finished;
    private bool _isQueued;
    private DateTimeOffset _shownAt;
    private long _version;
    private (long? Position, double? WaitSeconds) _shownPosition;

    /// <summary>The watched task.</summary>
    public string TaskId { get; } = taskId;

    /// <summary>Its queue: the other events of this queue may move it in line.</summary>
    public string Queue { get; } = queue;

    /// <summary>An event of the watched task (in store order).</summary>
    public void OnOwnEvent(TaskEvent taskEvent, byte[] message)
    {
        lock (_lock)
        {
            if (_finished) return;
            if (_early is not null) _early.Add((taskEvent, message));
            else ApplyLocked(taskEvent, message);
        }
    }

    /// <summary>An event of another task of the same queue: it may have moved the watched one.</summary>
    public void OnQueueEvent(TaskEvent taskEvent)
    {
        // These change neither the queued set nor the estimate.
        if (taskEvent.Kind is TaskEventKind.Progress or TaskEventKind.CancelRequested or TaskEventKind.Scheduled) return;
        lock (_lock)
        {
            if (_finished) return;
            if (_early is not null) _queueMovedEarly = true;
            else if (_isQueued) _wake.Writer.TryWrite(true);
        }
    }

    /// <summary>Re-read the task now (events were lost on the way).</summary>
    public void RequestResync()
    {
        lock (_lock)
        {
            _forceResync = true;
            _wake.Writer.TryWrite(true);
        }
    }

    /// <summary>Sends the snapshot, then what arrived meanwhile and is newer; closes at once when the task is already finished.</summary>
    public void Start(QueueTask snapshot)
    {
        lock (_lock)
        {
            ShowSnapshotLocked(snapshot);
            var early = _early!;
            _early = null;
            foreach (var (taskEvent, message) in early)
            {
                if (taskEvent.At >= snapshot.UpdatedAt && !_finished) ApplyLocked(taskEvent, message);
            }
            if (_queueMovedEarly && _isQueued && !_finished) _wake.Writer.TryWrite(true);
        }
    }

    /// <summary>The re-read loop: positions when woken, a resync when the interval passes; ends with <paramref name="ct"/>.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (await WaitAsync(ct) is var wake && wake != Wake.Ended)
            {
                bool resync;
                long version;
                lock (_lock)
                {
                    if (_finished) return;
                    resync = wake == Wake.Interval || _forceResync;
                    _forceResync = false;
                    version = _version;
                }
                var (read, task) = await ReadAsync(ct);
                if (read) Compare(task, version, resync);
                // Rate limit: the wake-ups that come meanwhile are served by one read after the pause.
                if (wake == Wake.Asked) await Task.Delay(options.PositionInterval, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The socket closed.
        }
    }

    // The event follows what the socket showed; a terminal one closes it after it is sent.
    private void ApplyLocked(TaskEvent taskEvent, byte[] message)
    {
        _version++;
        _shownAt = taskEvent.At;
        _isQueued = taskEvent.Status == QueueTaskStatus.Queued;
        if (!_isQueued) _shownPosition = (null, null);
        socket.TrySend(message);
        if (taskEvent.Kind.IsTerminal()) Finish($"task {taskEvent.Kind.ToWire()}");
        else if (_isQueued) _wake.Writer.TryWrite(true);
    }

    private void ShowSnapshotLocked(QueueTask task)
    {
        _version++;
        _shownAt = task.UpdatedAt;
        _isQueued = task.Status == QueueTaskStatus.Queued;
        _shownPosition = (task.QueuePosition, WaitSeconds(task));
        socket.TrySend(broadcaster.Serialize(new TaskSnapshotMessage(TaskView.From(task))));
        if (task.Status.IsFinished()) Finish($"task already {task.Status.ToWire()}");
    }

    private void Finish(string reason)
    {
        _finished = true;
        _wake.Writer.TryComplete();
        socket.CloseAfterPending(WebSocketCloseStatus.NormalClosure, reason);
    }

    // Compares a re-read with what the socket showed. Read while an event of the task was in flight
    // (the version moved on), it is stale and dropped: that event asks for a new read if still queued.
    private void Compare(QueueTask? task, long version, bool resync)
    {
        lock (_lock)
        {
            if (_finished || version != _version) return;
            if (task is null)
            {
                Finish("task no longer exists");
                return;
            }
            if (task.UpdatedAt > _shownAt)
            {
                // Changed with no event seen: lost in transit, or still on its way. Only a resync sends
                // it as a snapshot; a position read leaves it to the event.
                if (resync) ShowSnapshotLocked(task);
                return;
            }
            if (task.Status != QueueTaskStatus.Queued || task.QueuePosition is not { } position) return;
            var shown = (Position: (long?)position, WaitSeconds: WaitSeconds(task));
            if (shown == _shownPosition) return;
            _shownPosition = shown;
            socket.TrySend(broadcaster.Serialize(new TaskPositionMessage(TaskId, position, shown.WaitSeconds)));
        }
    }

    // Read false: the store could not answer (the next wake-up or resync tries again); task null: it is gone.
    private async Task<(bool Read, QueueTask? Task)> ReadAsync(CancellationToken ct)
    {
        try
        {
            return (true, await store.GetAsync(TaskId, ct));
        }
        catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
        {
            logger.LogDebug("Task events: cannot re-read task {TaskId} ({Reason})", TaskId, ex.Message);
            return (false, null);
        }
    }

    private enum Wake { Asked, Interval, Ended }

    // Asked: an event wants a re-read; Interval: the resync interval passed first; Ended: the watch finished.
    private async Task<Wake> WaitAsync(CancellationToken ct)
    {
        using var interval = new CancellationTokenSource(options.ResyncInterval, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, interval.Token);
        try
        {
            if (!await _wake.Reader.WaitToReadAsync(either.Token)) return Wake.Ended;
            _wake.Reader.TryRead(out _);
            return Wake.Asked;
        }
        catch (OperationCanceledException) when (interval.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return Wake.Interval;
        }
    }

    private static double? WaitSeconds(QueueTask task) =>
        task.EstimatedWait is { } wait ? Math.Round(wait.TotalSeconds, 3) : null;
}
