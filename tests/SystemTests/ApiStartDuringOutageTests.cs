using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using QueueService.Tests.Snapshots;
using QueueService.Tests.Support;
using SystemTests.Support;

namespace SystemTests;

/// <summary>An API process started while Redis is down: it takes submissions into memory at once and moves to Redis when it comes.</summary>
public sealed class ApiStartDuringOutageTests
{
    [Fact]
    public async Task Api_TakesSubmissionsIntoMemoryAtOnce_AndDrainsThemIntoRedis_WhenRedisIsDownAtItsStart()
    {
        await using var system = await QueueSystem.StartAsync();
        system.Redis.Kill();
        using var backups = new TempFolder();
        // 20 s per connect attempt: a client that retried its first connect (the default: three attempts) keeps the
        // process from serving for at least one more attempt, 20 s, past the 15 s allowed here (it starts in about 2 s).
        // The client's reconnects back off by half of it: about 10 s before it sees Redis again.
        await using var api = ApiProcess.Launch(new Dictionary<string, string?>
        {
            ["REDIS_URL"] = $"{system.Redis.ConnectionString},connectTimeout=20000",
            ["QUEUE_EMBEDDED_WORKERS"] = "0",
            ["BACKUP_DIR"] = backups.Path,
        });
        await api.WaitHealthyAsync(TimeSpan.FromSeconds(15));

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

    private static async Task<string?> StoreModeAsync(ApiProcess api) =>
        JsonDocument.Parse(await api.GetStringAsync("/stats")).RootElement.GetProperty("store").GetString();
}
