using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using QueueService.Hosting;
using QueueService.Stores;
using QueueService.Stores.Redis;
using StackExchange.Redis;
using Testcontainers.Redis;

namespace QueueService.Tests.Fixtures;

/// <summary>
/// The one Redis for the test run: <c>REDIS_TEST_URL</c> when set; else a Testcontainers Redis when
/// a Docker engine answers; else a <c>redis-server</c> from PATH on a free loopback port in a temp
/// directory; else every Redis test fails saying how to fix it (we never skip).
/// </summary>
/// <remarks>
/// Used as an <c>IClassFixture</c>: the instances share one lazily started server and connection
/// (static), so classes still run in parallel and only one server starts. It is stopped, and its
/// temp directory deleted, when the test process exits. Tests isolate themselves by namespace
/// (<see cref="UniqueNamespace"/>), never by FLUSHALL.
/// </remarks>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private const string HowToFix =
        "No Redis for the tests: install redis-server (apt-get install redis-server), or set REDIS_TEST_URL=host:port.";

    private static readonly Lazy<Task<SharedRedis>> Shared = new(SharedRedis.StartAsync);

    private SharedRedis? _redis;

    /// <summary>host:port of the server.</summary>
    public string ConnectionString => Redis.ConnectionString;

    /// <summary>One connection shared by every test.</summary>
    public IConnectionMultiplexer Connection => Redis.Connection;

    private SharedRedis Redis => _redis ?? throw new InvalidOperationException("The Redis fixture was not initialised.");

    /// <summary>A namespace no other test uses: the calling test's name and a random suffix.</summary>
    public static string UniqueNamespace([CallerMemberName] string testName = "")
    {
        var name = testName.Length > 40 ? testName[..40] : testName;
        return $"{name}-{Guid.NewGuid():N}"[..Math.Min(64, name.Length + 13)];
    }

    /// <summary>A store over the shared connection in namespace <paramref name="ns"/>.</summary>
    public RedisQueueStore CreateStore(string ns, QueueStoreOptions? options = null, TimeProvider? time = null,
        ILogger<RedisQueueStore>? logger = null) =>
        new(Connection, new RedisStoreOptions { Namespace = ns }, options ?? new QueueStoreOptions(), time, logger);

    /// <inheritdoc/>
    public async Task InitializeAsync() => _redis = await Shared.Value;

    /// <inheritdoc/>
    public Task DisposeAsync() => Task.CompletedTask;

    private sealed class SharedRedis
    {
        public required string ConnectionString { get; init; }
        public required IConnectionMultiplexer Connection { get; init; }

        public static async Task<SharedRedis> StartAsync()
        {
            var url = Environment.GetEnvironmentVariable("REDIS_TEST_URL");
            if (string.IsNullOrWhiteSpace(url)) url = await TryContainerAsync();
            if (string.IsNullOrWhiteSpace(url)) url = await TryLocalServerAsync();
            if (string.IsNullOrWhiteSpace(url)) throw new InvalidOperationException(HowToFix);

            var options = ConfigurationOptions.Parse(url);
            options.AbortOnConnectFail = true;
            options.AllowAdmin = true; // tests inspect the server: SCRIPT FLUSH, SCAN (never FLUSHALL)
            options.ConnectTimeout = 5000;
            try
            {
                return new SharedRedis { ConnectionString = url, Connection = await ConnectionMultiplexer.ConnectAsync(options) };
            }
            catch (RedisConnectionException ex)
            {
                throw new InvalidOperationException($"Cannot connect to Redis at {url}: {ex.Message}. {HowToFix}", ex);
            }
        }

        private static async Task<string?> TryContainerAsync()
        {
            if (Environment.GetEnvironmentVariable("DOCKER_HOST") is null && !File.Exists("/var/run/docker.sock")) return null;
            try
            {
                var container = new RedisBuilder("redis:7.0").Build();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await container.StartAsync(timeout.Token);
                AppDomain.CurrentDomain.ProcessExit += (_, _) => container.DisposeAsync().AsTask().GetAwaiter().GetResult();
                return container.GetConnectionString();
            }
            catch (Exception)
            {
                return null; // No engine answered: fall back to a local redis-server.
            }
        }

        private static async Task<string?> TryLocalServerAsync()
        {
            if (!LocalRedisServer.IsInstalled()) return null;
            LocalRedisServer server;
            try
            {
                server = await LocalRedisServer.StartAsync();
            }
            catch (InvalidOperationException ex)
            {
                throw new InvalidOperationException($"{ex.Message} {HowToFix}", ex);
            }
            AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return server.ConnectionString;
        }
    }
}
