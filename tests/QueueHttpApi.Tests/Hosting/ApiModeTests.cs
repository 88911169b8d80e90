using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using QueueHttpApi.Hosting;
using QueueHttpApi.Tests.Support;
using QueueService.Tests.Fixtures;
using QueueService.Workers;

namespace QueueHttpApi.Tests.Hosting;

public sealed class ApiModeTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Embedded_RunsOnMemoryWithItsWorkers_WhenNoRedisIsConfigured()
    {
        using var api = ApiFactory.Embedded(embeddedWorkers: 2);
        using var client = api.CreateClient();

        (await client.GetAsync("/openapi/v1.json")).StatusCode.Should().Be(HttpStatusCode.OK);
        api.Services.GetRequiredService<ApiMode>().Should().Be(new ApiMode(IsEmbedded: true, EmbeddedWorkers: 2));
        api.Store.Kind.Should().Be("memory");
        api.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<QueueWorkerService>()
            .Should().ContainSingle().Which.Queues.Should().BeEquivalentTo("risk-detection", "transcription");
    }

    [Fact]
    public async Task Redis_RunsOnRedisWithoutWorkers_WhenRedisIsConfigured()
    {
        using var api = ApiFactory.OnRedis(redis.ConnectionString, RedisServerFixture.UniqueNamespace());
        using var client = api.CreateClient();

        (await client.GetAsync("/openapi/v1.json")).StatusCode.Should().Be(HttpStatusCode.OK);
        api.Services.GetRequiredService<ApiMode>().Should().Be(new ApiMode(IsEmbedded: false, EmbeddedWorkers: 0));
        api.Store.Kind.Should().Be("redis");
        api.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<QueueWorkerService>().Should().BeEmpty();
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("many")]
    [InlineData("65")]
    public void From_RefusesNamingTheKey_WhenEmbeddedWorkersIsNotACount(string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Queue:EmbeddedWorkers"] = value }).Build();

        var act = () => ApiMode.From(configuration);

        act.Should().Throw<InvalidOperationException>().WithMessage("*Queue:EmbeddedWorkers*QUEUE_EMBEDDED_WORKERS*");
    }
}
