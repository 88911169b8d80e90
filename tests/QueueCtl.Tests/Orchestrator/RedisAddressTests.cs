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

    [Fact]
    public void Redacted_HidesThePassword() =>
        RedisAddress.TryParse("redis://:s3cret@localhost:6379", out _)!.Redacted.Should().Be("redis://:***@localhost:6379");
}
