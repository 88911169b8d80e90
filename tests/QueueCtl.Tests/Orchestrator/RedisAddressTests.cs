using QueueCtl.Orchestration;

namespace QueueCtl.Tests.Orchestrator;

/// <summary>Reading the Redis addresses queuectl probes: both syntaxes REDIS_URL takes.</summary>
public sealed class RedisAddressTests
{
    [Theory]
    [InlineData("redis://127.0.0.1:6380", "127.0.0.1", 6380, null, null, false)]
    [InlineData("redis://:s3cret@localhost", "localhost", 6379, null, "s3cret", false)]
    [InlineData("rediss://app:pw@cache.example:6390/2", "cache.example", 6390, "app", "pw", true)]
    [InlineData("127.0.0.1:7000", "127.0.0.1", 7000, null, null, false)]
    [InlineData("cache:7000,password=pw,ssl=true", "cache", 7000, null, "pw", true)]
    [InlineData("cache", "cache", 6379, null, null, false)]
    public void TryParse_ReadsHostPortAndCredentials_WhenTheAddressIsValid(string text, string host, int port, string? user, string? password, bool isTls)
    {
        var address = RedisAddress.TryParse(text, out var error);

        error.Should().BeNull();
        address.Should().Be(new RedisAddress(text, host, port, user, password, isTls));
    }

    [Theory]
    [InlineData("redis://")]
    [InlineData("127.0.0.1:notaport")]
    [InlineData("password=only")]
    public void TryParse_ReturnsAnError_WhenTheAddressIsInvalid(string text)
    {
        RedisAddress.TryParse(text, out var error).Should().BeNull();
        error.Should().NotBeNullOrEmpty();
    }

    [Theory]
    [InlineData("redis://:s3cret@localhost:6379", "s3cret", "redis://:***@localhost:6379")]
    [InlineData("redis://:p%40ss%3Aw%25rd@localhost:6379", "p@ss:w%rd", "redis://:***@localhost:6379")]
    [InlineData("rediss://app:pw@cache.example:6390/2", "pw", "rediss://app:***@cache.example:6390")]
    [InlineData("cache:7000,password=pw@x,ssl=true", "pw@x", "rediss://:***@cache:7000")]
    public void Redacted_HidesThePassword_WhenItIsEscapedOrInEitherSyntax(string text, string password, string expected)
    {
        var address = RedisAddress.TryParse(text, out _)!;

        address.Password.Should().Be(password);
        address.Redacted.Should().Be(expected).And.NotContain(password).And.NotContain("p%40ss");
    }
}
