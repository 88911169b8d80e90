using Microsoft.Extensions.Logging;
using QueueService.Stores;
using QueueService.Stores.Redis;
using QueueService.Tasks;
using QueueService.Tests.Fixtures;
using QueueService.Tests.Support;
using StackExchange.Redis;

namespace QueueService.Tests.Stores.Redis;

/// <summary>
/// How client failures become <see cref="StoreError.Unavailable"/> or <see cref="StoreError.Internal"/>.
/// Redis-only: the in-memory store has no client, no server and no scripts to fail (the dead-port case
/// is <c>RedisQueueStoreTests.Operations_FailUnavailable_WhenRedisIsUnreachable</c>).
/// </summary>
public sealed class RedisStoreErrorMappingTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private readonly ListLogger<RedisQueueStore> _log = new();

    private IDatabase Db => redis.Connection.GetDatabase();

    private RedisQueueStore CreateStore(string ns) => redis.CreateStore(ns, logger: _log);

    [Fact]
    public async Task Enqueue_FailsInternalNotUnavailable_WhenAKeyOfTheWrongTypeIsPlanted()
    {
        await using var store = CreateStore(RedisServerFixture.UniqueNamespace());
        // The sequence counter as a hash: INCR inside the script fails with WRONGTYPE. Retrying
        // cannot help, so the store must not call it Unavailable (retried quietly forever).
        await Db.HashSetAsync(store.KeyPrefix + "seq", "not", "a counter");

        var refusal = (await store.Invoking(s => s.EnqueueAsync(new NewTask("q", "{}"))).Should().ThrowAsync<QueueStoreException>()).Which;

        refusal.Error.Should().Be(StoreError.Internal);
        _log.Entries.Should().Contain(e => e.Level == LogLevel.Error && Equals(e.Properties.GetValueOrDefault("Script"), "enqueue"),
            "a rejected script is logged at Error, naming the script");
    }

    [Fact]
    public async Task Get_FailsInternal_WhenTheTaskKeyHoldsTheWrongType()
    {
        await using var store = CreateStore(RedisServerFixture.UniqueNamespace());
        await Db.StringSetAsync(store.KeyPrefix + "t:broken", "not a hash");

        var refusal = (await store.Invoking(s => s.GetAsync("broken")).Should().ThrowAsync<QueueStoreException>()).Which;

        refusal.Error.Should().Be(StoreError.Internal);
    }

    public static TheoryData<Exception, StoreError> Failures() => new()
    {
        { new RedisConnectionException(ConnectionFailureType.UnableToConnect, "no route"), StoreError.Unavailable },
        { new RedisTimeoutException("Timeout awaiting response", CommandStatus.Sent), StoreError.Unavailable },
        { new TimeoutException("The timeout was reached before the message could be written"), StoreError.Unavailable },
        { new ObjectDisposedException("ConnectionMultiplexer"), StoreError.Unavailable },
        { new RedisServerException("LOADING Redis is loading the dataset in memory"), StoreError.Unavailable },
        { new RedisServerException("BUSY Redis is busy running a script."), StoreError.Unavailable },
        { new RedisServerException("READONLY You can't write against a read only replica."), StoreError.Unavailable },
        { new RedisServerException("OOM command not allowed when used memory > 'maxmemory'."), StoreError.Unavailable },
        { new RedisServerException("ERR user_script:12: attempt to concatenate a boolean value"), StoreError.Internal },
        { new RedisServerException("WRONGTYPE Operation against a key holding the wrong kind of value"), StoreError.Internal },
        { new RedisServerException("NOPERM this user has no permissions to run the 'evalsha' command"), StoreError.Internal },
        { new RedisCommandException("This operation has been disabled in the command-map"), StoreError.Internal },
        // Seen in the chaos run: the socket's own failures, unwrapped, when redis-server is killed under load.
        { new Pipelines.Sockets.Unofficial.ConnectionResetException("Connection reset by peer"), StoreError.Unavailable },
        { new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused), StoreError.Unavailable },
        { new IOException("Broken pipe"), StoreError.Unavailable },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Classify_MapsClientFailures_ToUnavailableOrInternal(Exception failure, StoreError expected)
    {
        RedisQueueStore.Classify(failure).Should().Be(expected);
    }

    [Fact]
    public void Classify_TakesAPipelinesWriteAfterCompletion_AsUnavailable()
    {
        // What StackExchange.Redis lets through when redis-server dies mid-write: thrown by System.IO.Pipelines.
        var pipe = new System.IO.Pipelines.Pipe();
        pipe.Writer.Complete();
        var thrown = FluentActions.Invoking(() => pipe.Writer.GetMemory()).Should().Throw<InvalidOperationException>().Which;

        RedisQueueStore.Classify(thrown).Should().Be(StoreError.Unavailable);
        RedisQueueStore.Classify(new InvalidOperationException("our own bug")).Should().BeNull("only the pipe's own failure is the connection's");
    }

    [Fact]
    public void Classify_PassesTheCallersCancellation_ButTakesAnyOtherAsUnavailable()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        RedisQueueStore.Classify(new OperationCanceledException(cancelled.Token), cancelled.Token).Should().BeNull("the caller asked for it");
        RedisQueueStore.Classify(new TaskCanceledException()).Should().Be(StoreError.Unavailable,
            "the client cancels a command whose connection died with no token of ours");
    }
}
