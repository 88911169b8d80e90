using QueueService.Hosting;

namespace QueueService.Tests.Hosting;

public sealed class QueueEnvironmentTests
{
    private static IReadOnlyDictionary<string, string?> Map(params (string Name, string Value)[] variables)
    {
        var values = variables.ToDictionary(v => v.Name, v => v.Value);
        return QueueEnvironment.Map(name => values.GetValueOrDefault(name));
    }

    [Fact]
    public void Map_PassesHostPortThrough_WhenRedisUrlIsStackExchangeSyntax()
    {
        Map(("REDIS_URL", "redis-host:6380,password=s3cret,ssl=true"))
            .Should().Contain("Queue:Redis:Configuration", "redis-host:6380,password=s3cret,ssl=true");
    }

    [Theory]
    [InlineData("redis://localhost:6379", "localhost:6379")]
    [InlineData("redis://redis", "redis:6379")]
    [InlineData("redis://:p%40ss@cache.internal:6390/2", "cache.internal:6390,password=p@ss,defaultDatabase=2")]
    [InlineData("redis://app:pw@cache:6379/0", "cache:6379,user=app,password=pw,defaultDatabase=0")]
    [InlineData("rediss://:pw@cache:6380", "cache:6380,password=pw,ssl=true")]
    public void Map_ConvertsToStackExchangeSyntax_WhenRedisUrlIsAUri(string url, string expected)
    {
        Map(("REDIS_URL", url)).Should().Contain("Queue:Redis:Configuration", expected);
    }

    [Fact]
    public void Map_ConvertsSecondsToTimeSpans_WhenDurationsAreGiven()
    {
        var map = Map(("MAX_PROCESSING_TIME", "90"), ("BACKUP_INTERVAL", "300"), ("QUEUE_SERVICE_URL", "http://queue:8002"));

        map.Should().Contain("Queue:Worker:MaxProcessingTime", "00:01:30");
        map.Should().Contain("Queue:Store:MaxProcessingTime", "00:01:30", "the store caps leases at the same limit");
        map.Should().Contain("Queue:Snapshots:BackupInterval", "00:05:00");
        map.Should().Contain("Queue:Client:BaseAddress", "http://queue:8002");
    }

    [Fact]
    public void Map_SetsTheSpoolDirectory_WhenSpoolDirIsGiven()
    {
        Map(("SPOOL_DIR", "/app/spool")).Should().Contain("Queue:SpoolDirectory", "/app/spool");
    }

    [Fact]
    public void Map_SetsTheBackupDirectory_WhenBackupDirIsGiven()
    {
        Map(("BACKUP_DIR", "/app/backups")).Should().Contain("Queue:Snapshots:Directory", "/app/backups");
    }

    [Fact]
    public void Map_LeavesKeysOut_WhenVariablesAreUnsetOrBlank()
    {
        Map(("REDIS_URL", "  ")).Should().BeEmpty();
    }

    [Theory]
    [InlineData("MAX_PROCESSING_TIME", "ten")]
    [InlineData("BACKUP_INTERVAL", "-5")]
    [InlineData("REDIS_URL", "redis://cache:6379/notadb")]
    public void Map_Throws_WhenAVariableHasABadValue(string name, string value)
    {
        var act = () => Map((name, value));

        act.Should().Throw<InvalidOperationException>().WithMessage($"*{name}*");
    }
}
