using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QueueClient.Tests.Support;
using QueueHttpApi.Tests.Support;

namespace QueueClient.Tests;

/// <summary>
/// <c>AddQueueClient</c>: the typed client from a ServiceCollection, its address from the options or the environment
/// (a test's own, registered before the call, so the process environment is never touched), and the resilience
/// pipeline proven against a real flaky loopback server: a GET is retried, a POST or DELETE never.
/// </summary>
public sealed class AddQueueClientTests
{
    private const string StatsJson = """
        {"store":"memory","workers":0,"at":"2026-11-23T15:00:00+00:00",
         "totals":{"queued":1,"scheduled":0,"processing":0,"completed":0,"failed":0,"cancelled":0,"averageProcessingSeconds":null,
                   "oldestQueuedAgeSeconds":1.5,"workers":0,"enqueuedTotal":1,"completedTotal":0,"failedTotal":0},
         "queues":{}}
        """;

    private const string UnhealthyJson = """
        {"status":"Unhealthy","totalDurationMs":3.2,"checks":{"store":{"status":"Unhealthy","description":"The store cannot be reached.","durationMs":3.1,"data":{}}}}
        """;

    [Fact]
    public async Task AddQueueClient_ResolvesAWorkingClientWithTheAdminKey_WhenTheOptionsGiveTheAddress()
    {
        using var api = ClientTestSupport.StartEmbedded();
        await using var provider = Services(o =>
        {
            o.BaseAddress = ClientTestSupport.AddressOf(api);
            o.ApiKey = ApiFactory.AdminKey;
        });
        var client = provider.GetRequiredService<IQueueApiClient>();

        var submitted = await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "through DI" });
        var backup = await client.BackupAsync();

        (await client.GetTaskAsync(submitted.Id)).Status.Should().Be(QueueTaskStatus.Queued);
        backup.Tasks.Should().Be(1);
    }

    [Fact]
    public async Task AddQueueClient_UsesQueueServiceUrlAndQueueAdminApiKey_WhenTheOptionsLeaveThemUnset()
    {
        using var api = ClientTestSupport.StartEmbedded();
        var address = ClientTestSupport.AddressOf(api).ToString();
        await using var provider = Services(configure: null, environment: name => name switch
        {
            "QUEUE_SERVICE_URL" => address,
            "QUEUE_ADMIN_API_KEY" => ApiFactory.AdminKey,
            _ => null,
        });

        var client = provider.GetRequiredService<IQueueApiClient>();

        provider.GetRequiredService<IOptions<QueueClientOptions>>().Value.BaseAddress.Should().Be(new Uri(address));
        ((QueueApiClient)client).BaseAddress.Should().Be(new Uri(address));
        (await client.GetStatsAsync()).Store.Should().Be("memory");
        (await client.CleanupStuckTasksAsync()).Should().Be(new CleanupResult(0, 0, 0), "the key came from QUEUE_ADMIN_API_KEY");
    }

    [Fact]
    public async Task AddQueueClient_TalksToLocalhost8002_WhenNeitherOptionsNorEnvironmentGiveAnAddress()
    {
        await using var provider = Services(configure: null);

        var client = (QueueApiClient)provider.GetRequiredService<IQueueApiClient>();

        client.BaseAddress.Should().Be(new Uri("http://localhost:8002/"));
    }

    [Fact]
    public async Task AddQueueClient_RetriesAGet_WhenTheServerFailsTransiently()
    {
        var failures = 2;
        await using var flaky = await LoopbackServer.StartAsync(async context =>
        {
            if (Interlocked.Decrement(ref failures) >= 0)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "0";
                return;
            }
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(StatsJson);
        });
        await using var provider = Services(o => o.BaseAddress = flaky.Address);

        var stats = await provider.GetRequiredService<IQueueApiClient>().GetStatsAsync();

        stats.Totals.Queued.Should().Be(1);
        flaky.Count("GET", "/stats").Should().Be(3, "two 503s are retried, the third answer is read");
    }

    [Fact]
    public async Task AddQueueClient_NeverRetriesAPostOrADelete_WhenTheServerFails()
    {
        await using var failing = await LoopbackServer.StartAsync(async context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "0";
            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsync("""{"title":"The queue store is unavailable","status":503,"detail":"Redis is down."}""");
        });
        await using var provider = Services(o => o.BaseAddress = failing.Address);
        var client = provider.GetRequiredService<IQueueApiClient>();

        var submit = (await client.Invoking(c => c.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "once" }))
            .Should().ThrowAsync<QueueApiException>()).Which;
        var cancel = (await client.Invoking(c => c.CancelAsync("0193f0c2-6a4e-7b51-9d1e-4c8f5e2a9b10"))
            .Should().ThrowAsync<QueueApiException>()).Which;

        submit.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        submit.Title.Should().Be("The queue store is unavailable");
        submit.Detail.Should().Be("Redis is down.");
        cancel.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        failing.Count("POST", "/tasks/risk-detection").Should().Be(1, "a retried submission could enqueue twice");
        failing.Count("DELETE", "/tasks/0193f0c2-6a4e-7b51-9d1e-4c8f5e2a9b10").Should().Be(1);
    }

    [Fact]
    public async Task AddQueueClient_ReturnsAnUnhealthyReportWithoutRetrying_WhenHealthAnswers503()
    {
        await using var unhealthy = await LoopbackServer.StartAsync(async context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(UnhealthyJson);
        });
        await using var provider = Services(o => o.BaseAddress = unhealthy.Address);

        var health = await provider.GetRequiredService<IQueueApiClient>().GetHealthAsync();

        health.Status.Should().Be("Unhealthy");
        health.Checks["store"].Description.Should().Be("The store cannot be reached.");
        unhealthy.Count("GET", "/health").Should().Be(1, "a 503 of /health is the answer, not a transient failure");
    }

    private static ServiceProvider Services(Action<QueueClientOptions>? configure, Internal.EnvironmentReader? environment = null)
    {
        var services = new ServiceCollection();
        // Registered first, so AddQueueClient keeps it (TryAdd) instead of the process environment.
        services.AddSingleton(new ClientEnvironment(environment ?? ClientTestSupport.NoEnvironment));
        services.AddQueueClient(configure);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}
