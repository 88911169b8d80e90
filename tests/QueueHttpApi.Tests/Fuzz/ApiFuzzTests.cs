using QueueHttpApi.Tests.Support;
using QueueService.Tests.Fixtures;
using Xunit.Abstractions;

namespace QueueHttpApi.Tests.Fuzz;

/// <summary>
/// The HTTP API under a few thousand generated requests (docs/api-tasks.md, "Fuzzing"): valid and mutated requests to
/// every endpoint through HttpClient, malformed HTTP on raw sockets, WebSocket clients, on Kestrel over loopback.
/// No answer may be a 5xx, every 4xx body is a problem, nothing is dropped, and at the end the store holds exactly the
/// tasks that got a 202. The seed is printed; <c>FUZZ_SEED</c> replays the fresh-seed runs.
/// </summary>
public sealed class ApiFuzzTests(ITestOutputHelper output, RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const int MaxUploadBytes = 1024 * 1024;

    [Fact]
    public Task Api_AnswersEveryFuzzedRequestWell_WhenTheSeedIsFixed() =>
        FuzzAsync(Embedded(), FuzzSeeds.Fixed, FuzzSeeds.Requests(1500),
            $"the fixed seed, run again with: dotnet test --filter {nameof(Api_AnswersEveryFuzzedRequestWell_WhenTheSeedIsFixed)}");

    [Fact]
    public Task Api_AnswersEveryFuzzedRequestWell_WhenTheSeedIsFresh()
    {
        var seed = FuzzSeeds.FreshOrReplayed();
        return FuzzAsync(Embedded(), seed, FuzzSeeds.Requests(1500),
            $"{FuzzSeeds.SeedVariable}={seed} dotnet test --filter {nameof(Api_AnswersEveryFuzzedRequestWell_WhenTheSeedIsFresh)}");
    }

    [Fact]
    public Task Api_AnswersEveryFuzzedRequestWell_WhenTheStoreIsRedis()
    {
        var seed = FuzzSeeds.FreshOrReplayed();
        var api = ApiFactory.OnRedis(redis.ConnectionString, RedisServerFixture.UniqueNamespace("fuzz"), settings: Settings());
        return FuzzAsync(api, seed, FuzzSeeds.Requests(1500) / 3,
            $"{FuzzSeeds.SeedVariable}={seed} dotnet test --filter {nameof(Api_AnswersEveryFuzzedRequestWell_WhenTheStoreIsRedis)}");
    }

    private async Task FuzzAsync(ApiFactory api, int seed, int steps, string replay)
    {
        output.WriteLine($"Fuzz seed {seed}: {replay}");
        using (api)
        {
            var address = Start(api);
            var target = new FuzzTarget(ApiFactory.AdminKey, api.InputRoot, MaxUploadBytes);
            FuzzInputs.Create(api.InputRoot);
            using var fuzzer = new ApiFuzzer(api, address, target, seed);

            var report = await fuzzer.RunAsync(steps);

            output.WriteLine(report.Summary(replay));
            report.Failures.Should().BeEmpty(report.FailureMessage(replay));
        }
    }

    private static ApiFactory Embedded() => ApiFactory.Embedded(settings: Settings());

    // Uploads are limited to 1 MiB so an oversize one is cheap; logs keep warnings and errors only (thousands of
    // request lines would cost more than the requests). The shutdown backup is off: the test host is stopped twice on
    // dispose, and a second backup could still be writing while the factory deletes its folder.
    private static Dictionary<string, string?> Settings() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["urls"] = "http://127.0.0.1:0",
        ["Queue:Snapshots:BackupOnShutdown"] = "false",
        ["Queue:Api:MaxUploadBytes"] = MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Serilog:MinimumLevel:Default"] = "Warning",
    };

    private static Uri Start(ApiFactory api) => api.StartOnKestrel();
}
