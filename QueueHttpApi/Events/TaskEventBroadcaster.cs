using System.Text.Json;
using Microsoft.Extensions.Options;
using QueueService.Stores;
using QueueService.Tasks;

namespace QueueHttpApi.Events;

/// <summary>
/// The API process's one subscription to the store's task events, fanned out to every open socket:
/// <c>/ws/events</c> feeds get every event; a <c>/ws/tasks/{id}</c> watch gets its task's events and
/// hears of the other events of its queue (which may move it in line). Each event is serialized once,
/// whatever the number of sockets, and handed to each without waiting (<see cref="EventSocket.TrySend"/>).
/// </summary>
/// <remarks>
/// It subscribes while the host starts, before the server takes requests, so a socket opened after
/// start-up misses nothing the store publishes. When the store cannot be reached then (Redis down),
/// start-up goes on and it keeps trying in the background; sockets opened meanwhile get events once it
/// succeeds, and watched tasks catch up at their next resync.
/// </remarks>
internal sealed class TaskEventBroadcaster(IQueueStore store, IOptions<TaskEventOptions> options,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, TimeProvider time, ILogger<TaskEventBroadcaster> logger) : BackgroundService
{
    private static readonly TimeSpan FirstAttempt = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly TaskEventOptions _options = options.Value;
    private readonly JsonSerializerOptions _json = json.Value.SerializerOptions;
    private readonly Lock _lock = new();
    private EventSocket[] _feeds = [];
    private readonly Dictionary<string, TaskWatch[]> _byTask = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskWatch[]> _byQueue = new(StringComparer.Ordinal);
    private Task<TaskEventSubscription>? _subscribing;
    private long _droppedSeen;
    private bool _waited;
    private long _slowClientsDropped;

    /// <summary>How many sockets were dropped for falling too far behind since start.</summary>
    public long SlowClientsDropped => Interlocked.Read(ref _slowClientsDropped);

    /// <summary>A socket for a new client, counted here when it is dropped as too slow.</summary>
    public EventSocket CreateSocket() =>
        new(_options.SendQueueCapacity, _options.CloseTimeout, time, () => Interlocked.Increment(ref _slowClientsDropped));

    /// <summary>Serializes a socket message with the API's JSON settings (camelCase, as the REST answers).</summary>
    public byte[] Serialize<T>(T message) => JsonSerializer.SerializeToUtf8Bytes(message, _json);

    /// <summary>Adds a feed of every event; dispose the result to remove it.</summary>
    public IDisposable AddFeed(EventSocket socket)
    {
        lock (_lock) _feeds = [.. _feeds, socket];
        return new Registration(() =>
        {
            lock (_lock) _feeds = Array.FindAll(_feeds, s => !ReferenceEquals(s, socket));
        });
    }

    /// <summary>Adds a watch of one task (its events) and of its queue (for its position); dispose the result to remove it.</summary>
    public IDisposable AddWatch(TaskWatch watch)
    {
        lock (_lock)
        {
            Add(_byTask, watch.TaskId, watch);
            Add(_byQueue, watch.Queue, watch);
        }
        return new Registration(() =>
        {
            lock (_lock)
            {
                Remove(_byTask, watch.TaskId, watch);
                Remove(_byQueue, watch.Queue, watch);
            }
        });
    }

    /// <inheritdoc/>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _subscribing = store.SubscribeEventsAsync(_options.StoreBufferCapacity, cancellationToken);
        try
        {
            await _subscribing.WaitAsync(FirstAttempt, time, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or QueueStoreException)
        {
            _waited = true;
            logger.LogWarning("Task events: no store subscription yet ({Reason}); sockets get events once it succeeds", ex.Message);
        }
        await base.StartAsync(cancellationToken);
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscription = await SubscribeAsync(stoppingToken);
        await using (subscription)
        {
            while (await subscription.Reader.WaitToReadAsync(stoppingToken))
            {
                while (subscription.Reader.TryRead(out var taskEvent)) Dispatch(taskEvent);
                ReportDrops(subscription);
            }
        }
        // The feed ended: the store was disposed, the host is stopping.
    }

    // The subscription StartAsync began, or new ones until one succeeds (backing off up to 30 s).
    private async Task<TaskEventSubscription> SubscribeAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        var attempt = _subscribing ?? store.SubscribeEventsAsync(_options.StoreBufferCapacity, stoppingToken);
        while (true)
        {
            try
            {
                var subscription = await attempt;
                if (_waited) logger.LogInformation("Task events: subscribed to the store");
                return subscription;
            }
            catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
            {
                _waited = true;
                logger.LogDebug("Task events: cannot subscribe yet ({Reason}); retrying in {Delay}", ex.Message, delay);
            }
            catch (QueueStoreException ex)
            {
                // The server refused (SUBSCRIBE disabled, say): the REST API still works, so log and keep trying.
                _waited = true;
                logger.LogError(ex, "Task events: the store refused the subscription; WebSocket feeds stay silent until it succeeds (retrying in {Delay})", delay);
            }
            await Task.Delay(delay, time, stoppingToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            attempt = store.SubscribeEventsAsync(_options.StoreBufferCapacity, stoppingToken);
        }
    }

    private void Dispatch(TaskEvent taskEvent)
    {
        EventSocket[] feeds;
        TaskWatch[]? own, queue;
        lock (_lock)
        {
            feeds = _feeds;
            _byTask.TryGetValue(taskEvent.TaskId, out own);
            _byQueue.TryGetValue(taskEvent.Queue, out queue);
        }
        if (feeds.Length == 0 && own is null && queue is null) return;
        var message = Serialize(TaskEventMessage.From(taskEvent));
        foreach (var feed in feeds) feed.TrySend(message);
        if (own is not null)
        {
            foreach (var watch in own) watch.OnOwnEvent(taskEvent, message);
        }
        if (queue is not null)
        {
            foreach (var watch in queue)
            {
                if (watch.TaskId != taskEvent.TaskId) watch.OnQueueEvent(taskEvent);
            }
        }
    }

    // Events the store pushed out of our buffer were never seen by any socket: say so, and have every
    // watch re-read its task now rather than at its next resync.
    private void ReportDrops(TaskEventSubscription subscription)
    {
        var dropped = subscription.DroppedCount;
        if (dropped == _droppedSeen) return;
        logger.LogWarning("Task events: the API fell behind the store and lost {Lost} events ({Total} in all); watched tasks re-read now",
            dropped - _droppedSeen, dropped);
        _droppedSeen = dropped;
        TaskWatch[] all;
        lock (_lock) all = [.. _byTask.Values.SelectMany(w => w)];
        foreach (var watch in all) watch.RequestResync();
    }

    private static void Add(Dictionary<string, TaskWatch[]> index, string key, TaskWatch watch) =>
        index[key] = index.TryGetValue(key, out var existing) ? [.. existing, watch] : [watch];

    private static void Remove(Dictionary<string, TaskWatch[]> index, string key, TaskWatch watch)
    {
        if (!index.TryGetValue(key, out var existing)) return;
        var left = Array.FindAll(existing, w => !ReferenceEquals(w, watch));
        if (left.Length == 0) index.Remove(key);
        else index[key] = left;
    }

    private sealed class Registration(Action remove) : IDisposable
    {
        private Action? _remove = remove;

        public void Dispose() => Interlocked.Exchange(ref _remove, null)?.Invoke();
    }
}
