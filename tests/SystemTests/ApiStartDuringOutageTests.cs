using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using QueueService.Tests.Snapshots;
using QueueService.Tests.Support;
using SystemTests.Support;
using Xunit.Abstractions;

namespace SystemTests;

/// <summary>An API process started while Redis is down: it takes submissions into memory at once and moves to Redis when it comes.</summary>
public sealed class ApiStartDuringOutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Api_TakesSubmissionsIntoMemoryAtOnce_AndDrainsThemIntoRedis_WhenRedisIsDownAtItsStart()
    {
        await using var system = await QueueSystem.StartAsync();
        system.Redis.Kill();
        using var backups = new TempFolder();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var api = ApiProcess.Launch(new Dictionary<string, string?>
        {
            ["REDIS_URL"] = system.Redis.ConnectionString,
            ["QUEUE_EMBEDDED_WORKERS"] = "0",
            ["BACKUP_DIR"] = backups.Path,
        });
        await api.WaitHealthyAsync(QueueSystem.StartPatience);
        // How long the start took is a measurement, not an assertion: about 1.5 s here, 11 s with the client's default
        // three connect attempts (RedisConnectionTests pins the setting).
        output.WriteLine($"The API answered /health {clock.ElapsedMilliseconds} ms after its launch, with Redis down");

        (await StoreModeAsync(api)).Should().Be("memory-fallback");
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        using var submitted = await http.PostAsJsonAsync("/tasks/risk-detection", new { text = "Please wire the money today" });
        submitted.StatusCode.Should().Be(HttpStatusCode.Accepted, "a store on memory still takes submissions");
        var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        await system.Redis.StartAgainAsync();
        await Eventually.TrueAsync(async _ => await StoreModeAsync(api) == "redis", QueueSystem.StartPatience,
            "the API should reach Redis once it is up, and drain into it");
        (await system.Store.GetAsync(id)).Should().NotBeNull("the task taken into memory is drained into Redis");
    }

    private static async Task<string> StoreModeAsync(ApiProcess api) => ApiStats.Parse(await api.GetStringAsync("/stats")).Store;
}
