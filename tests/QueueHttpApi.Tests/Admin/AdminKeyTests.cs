using System.Net;
using QueueHttpApi.Admin;
using QueueHttpApi.Tests.Monitoring;
using QueueHttpApi.Tests.Support;
using QueueService.Tests.Fixtures;

namespace QueueHttpApi.Tests.Admin;

public sealed class AdminKeyTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    public static TheoryData<string, string> AdminRoutes => new()
    {
        { "POST", "/admin/backup" },
        { "POST", "/admin/cleanup-stuck-tasks" },
        { "DELETE", "/admin/tasks?olderThanHours=1" },
    };

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task Admin_Answers401ProblemNamingTheHeader_WhenTheKeyIsMissing(string method, string path)
    {
        using var api = ApiStores.Create(ApiStores.Memory, redis);
        using var client = api.CreateClient();

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        problem.GetProperty("detail").GetString().Should().Contain("X-Api-Key");
        response.Headers.WwwAuthenticate.ToString().Should().Contain("X-Api-Key");
    }

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task Admin_Answers403Problem_WhenTheKeyIsWrong(string method, string path)
    {
        using var api = ApiStores.Create(ApiStores.Memory, redis);
        using var client = api.CreateClient();
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("X-Api-Key", ApiFactory.AdminKey + "x");

        var response = await client.SendAsync(request);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        problem.GetProperty("detail").GetString().Should().Contain("does not hold the admin API key");
    }

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task Admin_Answers403SayingWhatToSet_WhenNoKeyIsConfiguredOutsideDevelopment(string method, string path)
    {
        using var api = ApiStores.Create(ApiStores.Memory, redis, settings: new Dictionary<string, string?> { ["Queue:Api:AdminApiKey"] = "" });
        using var client = api.CreateClient();
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("X-Api-Key", "anything");

        var response = await client.SendAsync(request);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        problem.GetProperty("detail").GetString().Should().Contain("QUEUE_ADMIN_API_KEY");
    }

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task Admin_LetsRequestsThrough_WhenNoKeyIsConfiguredInDevelopment(string method, string path)
    {
        using var api = ApiStores.Create(ApiStores.Memory, redis, settings: new Dictionary<string, string?> { ["Queue:Api:AdminApiKey"] = "" },
            environment: "Development");
        using var client = api.CreateClient();

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task Admin_StillAnswers401_WhenAKeyIsConfiguredInDevelopment(string method, string path)
    {
        // Development only opens the admin endpoints when no key is set; a configured key is always enforced.
        using var api = ApiStores.Create(ApiStores.Memory, redis, environment: "Development");
        using var client = api.CreateClient();

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Admin_WarnsOnceThatItIsOpen_WhenNoKeyIsConfiguredInDevelopment()
    {
        using var api = ApiStores.Create(ApiStores.Memory, redis, settings: new Dictionary<string, string?> { ["Queue:Api:AdminApiKey"] = "" },
            environment: "Development");
        using var client = api.CreateClient();

        for (var i = 0; i < 3; i++)
            (await client.PostAsync("/admin/cleanup-stuck-tasks", null)).StatusCode.Should().Be(HttpStatusCode.OK);

        var logs = Path.Combine(Path.GetDirectoryName(api.SpoolDirectory)!, "logs");
        var text = string.Concat(Directory.GetFiles(logs, "api-*.log").Select(ReadShared));
        CountOf(text, "admin endpoints are open to anyone").Should().Be(1, "the warning is logged once per process, not per request");
    }

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task Admin_LetsRequestsThrough_WhenTheKeyIsRight(string method, string path)
    {
        using var api = ApiStores.Create(ApiStores.Memory, redis);
        using var client = api.CreateAdminClient();

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("key", "key", true)]
    [InlineData("key", "kez", false)]
    [InlineData("key", "key ", false)]
    [InlineData("key", "KEY", false)]
    [InlineData("", "key", false)]
    public void Matches_ComparesWholeKeysExactly(string presented, string configured, bool expected)
    {
        AdminApiKeyFilter.Matches(presented, configured).Should().Be(expected);
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}
