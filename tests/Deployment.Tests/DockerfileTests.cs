namespace Deployment.Tests;

/// <summary>Static checks of the two Dockerfiles and .dockerignore.</summary>
public sealed class DockerfileTests
{
    private const string ApiDockerfile = "QueueHttpApi/Dockerfile";
    private const string WorkerDockerfile = "QueueWorker/Dockerfile";

    [Theory]
    [InlineData(ApiDockerfile, "mcr.microsoft.com/dotnet/aspnet:10.0")]
    [InlineData(WorkerDockerfile, "mcr.microsoft.com/dotnet/runtime:10.0")]
    public void Dockerfile_IsMultiStage_FromSdkToRuntimeImage(string path, string runtimeImage)
    {
        var froms = Dockerfile.Load(path).Where(i => i.Keyword == "FROM").Select(i => i.Arguments.Split(' ')[0]).ToList();
        froms.Should().HaveCountGreaterThanOrEqualTo(2);
        froms[0].Should().Be("mcr.microsoft.com/dotnet/sdk:10.0");
        froms[^1].Should().Be(runtimeImage);
    }

    [Theory]
    [InlineData(ApiDockerfile)]
    [InlineData(WorkerDockerfile)]
    public void Dockerfile_FinalStage_RunsAsNonRootUser(string path)
    {
        var instructions = Dockerfile.Load(path);
        var lastFrom = instructions.ToList().FindLastIndex(i => i.Keyword == "FROM");
        var users = instructions.Skip(lastFrom).Where(i => i.Keyword == "USER").ToList();
        users.Should().NotBeEmpty("the final stage sets a USER");
        var user = users[^1].Arguments.Split(':')[0];
        user.Should().NotBe("root").And.NotBe("0");
        instructions.Skip(lastFrom).SkipWhile(i => i != users[^1]).Skip(1)
            .Should().NotContain(i => i.Keyword == "RUN", "nothing runs as root after the USER switch");
    }

    [Theory]
    [InlineData(ApiDockerfile, "QueueHttpApi.dll")]
    [InlineData(WorkerDockerfile, "QueueWorker.dll")]
    public void Dockerfile_PublishesRelease_AndStartsTheAssemblyFromApp(string path, string assembly)
    {
        var instructions = Dockerfile.Load(path);
        instructions.Should().Contain(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish") && i.Arguments.Contains("-c Release") && i.Arguments.Contains("-o /app/publish"));
        instructions.Last(i => i.Keyword == "WORKDIR").Arguments.Should().Be("/app");
        // Exec form, so the process is PID 1 and gets SIGTERM directly.
        instructions.Last(i => i.Keyword == "ENTRYPOINT").Arguments.Should().Be($"[\"dotnet\", \"{assembly}\"]");
    }

    [Theory]
    [InlineData(ApiDockerfile)]
    [InlineData(WorkerDockerfile)]
    public void Dockerfile_CopiesOnlyPathsThatExistInTheRepo(string path)
    {
        var sources = Dockerfile.Load(path)
            .Where(i => i.Keyword == "COPY" && !i.Arguments.StartsWith("--from", StringComparison.Ordinal))
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1))
            .ToList();
        sources.Should().NotBeEmpty();
        foreach (var source in sources)
        {
            var full = RepoFiles.PathOf(source.TrimEnd('/'));
            (File.Exists(full) || Directory.Exists(full)).Should().BeTrue($"{path} copies '{source}', which must exist relative to the repo root");
        }
    }

    [Fact]
    public void WorkerDockerfile_InstallsPocketsphinxAndSox_Lean()
    {
        var install = Dockerfile.Load(WorkerDockerfile).Where(i => i.Keyword == "RUN" && i.Arguments.Contains("apt-get install")).ToList();
        install.Should().ContainSingle();
        var words = install[0].Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        words.Should().Contain(["pocketsphinx", "pocketsphinx-en-us", "sox", "--no-install-recommends"]);
        install[0].Arguments.Should().Contain("rm -rf /var/lib/apt/lists/*");
    }

    [Fact]
    public void ApiDockerfile_HasAHealthcheck_WithAToolItInstalls()
    {
        var instructions = Dockerfile.Load(ApiDockerfile);
        var check = instructions.Where(i => i.Keyword == "HEALTHCHECK").Should().ContainSingle().Subject;
        check.Arguments.Should().Contain("curl -f").And.Contain("http://localhost:8002/health");
        instructions.Should().Contain(i => i.Keyword == "RUN" && i.Arguments.Contains("--no-install-recommends curl"),
            "curl is not in the aspnet image and must be installed for the check");
    }

    [Fact]
    public void DockerIgnore_ExcludesBuildOutputStateGitAndTests()
    {
        var patterns = RepoFiles.Read(".dockerignore").Split('\n')
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        patterns.Should().Contain(["**/bin/", "**/obj/", "**/logs/", "backups/", "spool/", ".git/", "tests/"]);
    }

    [Fact]
    public void Parse_JoinsContinuations_AndSkipsComments()
    {
        var parsed = Dockerfile.Parse("# c\nFROM a AS b\nRUN x \\\n    # inner\n    && y\nuser app\n");
        parsed.Should().Equal(
            new DockerInstruction("FROM", "a AS b"),
            new DockerInstruction("RUN", "x && y"),
            new DockerInstruction("USER", "app"));
    }
}
