using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Deployment.Tests;

/// <summary>Static checks of docker-compose-separated.yml (no Docker engine is needed or used).</summary>
public sealed class ComposeFileTests
{
    private const string ComposeFile = "docker-compose-separated.yml";
    private static readonly string[] ServiceNames = ["redis", "queue-api", "queue-worker"];

    private readonly YamlMappingNode _compose = Load();

    [Fact]
    public void Services_AreRedisApiAndWorker()
    {
        Services().Children.Keys.Select(Scalar).Should().BeEquivalentTo(ServiceNames);
    }

    [Fact]
    public void Redis_RunsRedis7WithAppendOnly_AndKeepsDataOnNamedVolume()
    {
        var redis = Service("redis");
        Scalar(redis["image"]).Should().Be("redis:7");
        var command = Words(redis["command"]);
        command.Should().ContainInConsecutiveOrder("--appendonly", "yes");
        VolumeSources(redis).Should().ContainKey("redis-data").WhoseValue.Should().Be("/data");
        HealthcheckTest(redis).Should().Contain("redis-cli").And.Contain("ping");
    }

    [Fact]
    public void EveryService_HasAHealthcheckTest()
    {
        foreach (var name in ServiceNames)
            HealthcheckTest(Service(name)).Should().NotBeNullOrWhiteSpace($"{name} needs a healthcheck");
    }

    [Fact]
    public void QueueApi_PublishesPort8002_AndChecksHealthEndpoint()
    {
        var api = Service("queue-api");
        Sequence(api["ports"]).Select(Scalar).Should().Contain("8002:8002");
        Environment(api).Should().Contain("ASPNETCORE_URLS", "http://+:8002");
        HealthcheckTest(api).Should().Contain("http://localhost:8002/health");
    }

    [Fact]
    public void ApiAndWorker_PointAtTheRedisService()
    {
        foreach (var name in new[] { "queue-api", "queue-worker" })
            Environment(Service(name)).Should().Contain("REDIS_URL", "redis:6379");
    }

    [Fact]
    public void QueueWorker_IsScalable_WhenNoContainerNamePortsOrFixedWorkerId()
    {
        var worker = Service("queue-worker");
        worker.Children.Keys.Select(Scalar).Should().NotContain(["container_name", "ports"]);
        var command = worker.Children.TryGetValue("command", out var node) ? string.Join(' ', Words(node)) : "";
        command.Should().NotContain("--worker-id", "replicas must not share one id");
        Environment(worker).Keys.Should().NotContain(k => k.Equals("Queue__Worker__WorkerId", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void QueueWorker_RunsUnderAnInit_SoOrphanedEngineProcessesAreReaped()
    {
        Scalar(Service("queue-worker")["init"]).Should().Be("true", "the worker starts external recognisers; PID 1 must reap what they leave");
    }

    [Fact]
    public void QueueWorker_StopGracePeriod_CoversTheWorstCaseGracefulStop()
    {
        var period = ParseDuration(Scalar(Service("queue-worker")["stop_grace_period"]));
        period.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(60), "grace 30 s + 2 x 10 s + 5 s must finish before SIGKILL");
    }

    [Fact]
    public void DependsOn_WaitsForHealthyServices()
    {
        DependsOnConditions(Service("queue-api")).Should().Contain("redis", "service_healthy");
        var worker = DependsOnConditions(Service("queue-worker"));
        worker.Should().Contain("redis", "service_healthy");
        worker.Should().Contain("queue-api", "service_healthy");
    }

    [Fact]
    public void NamedVolumes_AreDeclared_AndEveryNamedMountUsesOne()
    {
        var declared = Mapping(_compose["volumes"]).Children.Keys.Select(Scalar).ToList();
        declared.Should().Contain(["redis-data", "backups", "spool"]);
        foreach (var name in ServiceNames)
            VolumeSources(Service(name)).Keys.Where(s => !s.StartsWith('.') && !s.StartsWith('/'))
                .Should().BeSubsetOf(declared, $"{name} mounts only declared named volumes");
    }

    [Fact]
    public void ApiAndWorker_ShareTheSpoolVolume_AndApiKeepsBackups()
    {
        var api = VolumeSources(Service("queue-api"));
        var worker = VolumeSources(Service("queue-worker"));
        api.Should().Contain("spool", "/app/spool");
        worker.Should().Contain("spool", "/app/spool");
        api.Should().Contain("backups", "/app/backups");
        Environment(Service("queue-api")).Should().Contain("BACKUP_DIR", "/app/backups").And.Contain("SPOOL_DIR", "/app/spool");
    }

    [Fact]
    public void EveryBuild_PointsAtAnExistingContextAndDockerfile()
    {
        var builds = ServiceNames.Select(n => (Name: n, Service: Service(n)))
            .Where(s => s.Service.Children.ContainsKey("build")).ToList();
        builds.Select(b => b.Name).Should().BeEquivalentTo(["queue-api", "queue-worker"]);
        foreach (var (name, service) in builds)
        {
            var build = Mapping(service["build"]);
            var context = build.Children.TryGetValue("context", out var c) ? Scalar(c) : ".";
            var dockerfile = Scalar(build["dockerfile"]);
            Directory.Exists(RepoFiles.PathOf(context)).Should().BeTrue($"{name}'s build context '{context}' exists");
            File.Exists(Path.Combine(RepoFiles.PathOf(context), dockerfile)).Should().BeTrue($"{name}'s dockerfile '{dockerfile}' exists");
        }
    }

    [Theory]
    [InlineData("70s", 70)]
    [InlineData("1m30s", 90)]
    [InlineData("2m", 120)]
    [InlineData("1.5s", 1.5)]
    public void ParseDuration_ReadsComposeDurations(string text, double seconds)
    {
        ParseDuration(text).Should().Be(TimeSpan.FromSeconds(seconds));
    }

    private static YamlMappingNode Load()
    {
        var stream = new YamlStream();
        using var reader = new StringReader(RepoFiles.Read(ComposeFile));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private YamlMappingNode Services() => Mapping(_compose["services"]);

    private YamlMappingNode Service(string name)
    {
        Services().Children.Should().ContainKey(new YamlScalarNode(name), $"the compose file defines {name}");
        return Mapping(Services()[name]);
    }

    private static YamlMappingNode Mapping(YamlNode node) => node.Should().BeOfType<YamlMappingNode>().Subject;

    private static YamlSequenceNode Sequence(YamlNode node) => node.Should().BeOfType<YamlSequenceNode>().Subject;

    private static string Scalar(YamlNode node) => node.Should().BeOfType<YamlScalarNode>().Subject.Value ?? "";

    /// <summary>A command or test in either form: a list, or one shell string split on spaces.</summary>
    private static List<string> Words(YamlNode node) => node is YamlSequenceNode list
        ? list.Select(Scalar).ToList()
        : Scalar(node).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();

    private static string HealthcheckTest(YamlMappingNode service)
    {
        service.Children.Should().ContainKey(new YamlScalarNode("healthcheck"));
        return string.Join(' ', Words(Mapping(service["healthcheck"])["test"]));
    }

    /// <summary>Environment in either form: a mapping, or a list of NAME=value.</summary>
    private static Dictionary<string, string> Environment(YamlMappingNode service)
    {
        if (!service.Children.TryGetValue("environment", out var node)) return [];
        return node is YamlMappingNode map
            ? map.Children.ToDictionary(kv => Scalar(kv.Key), kv => Scalar(kv.Value))
            : Sequence(node).Select(Scalar).Select(e => e.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
    }

    /// <summary>Short-syntax volume mounts, source → target.</summary>
    private static Dictionary<string, string> VolumeSources(YamlMappingNode service)
    {
        if (!service.Children.TryGetValue("volumes", out var node)) return [];
        return Sequence(node).Select(Scalar).Select(v => v.Split(':')).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
    }

    private static Dictionary<string, string> DependsOnConditions(YamlMappingNode service) =>
        Mapping(service["depends_on"]).Children.ToDictionary(kv => Scalar(kv.Key), kv => Scalar(Mapping(kv.Value)["condition"]));

    /// <summary>Compose durations: <c>70s</c>, <c>1m30s</c>, <c>1h</c>, <c>500ms</c>.</summary>
    internal static TimeSpan ParseDuration(string text)
    {
        var parts = Regex.Matches(text, @"(\d+(?:\.\d+)?)(ms|us|h|m|s)");
        string.Concat(parts.Select(p => p.Value)).Should().Be(text, "the whole value is a duration");
        var total = TimeSpan.Zero;
        foreach (Match part in parts)
        {
            var value = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            total += part.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                "ms" => TimeSpan.FromMilliseconds(value),
                _ => TimeSpan.FromMicroseconds(value),
            };
        }
        return total;
    }
}
