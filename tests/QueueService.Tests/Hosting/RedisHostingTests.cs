using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QueueService.Hosting;
using QueueService.Stores;
using QueueService.Stores.Redis;
using QueueService.Tasks;
using QueueService.Tests.Fixtures;

namespace QueueService.Tests.Hosting;

public sealed class RedisHostingTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task AddRedisQueue_UsesRedisAndWritesTheEpochAtStart_WhenRedisIsConfigured()
    {
        var ns = RedisServerFixture.UniqueNamespace();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Queue:Redis:Configuration"] = redis.ConnectionString,
            ["Queue:Redis:Namespace"] = ns,
        });
        builder.Services.AddRedisQueue(builder.Configuration);
        using var host = builder.Build();

        await host.StartAsync();
        try
        {
            var store = host.Services.GetRequiredService<IQueueStore>();
            store.Should().BeOfType<RedisQueueStore>();
            var epoch = await redis.Connection.GetDatabase().StringGetAsync($"rq:{{{ns}}}:epoch");
            epoch.HasValue.Should().BeTrue("the host writes the namespace's epoch as it starts");

            var queued = await store.EnqueueAsync(new NewTask("hosting", "{}"));
            (await store.GetAsync(queued.Id))!.Status.Should().Be(QueueTaskStatus.Queued);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
