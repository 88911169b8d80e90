using QueueService.Stores.Redis;
using StackExchange.Redis;

namespace QueueService.Tests.Stores.Redis;

/// <summary>
/// The client settings every process builds its Redis connection from. What the single first attempt buys, an API
/// that serves at once while Redis is down, is proven on a real process: <c>SystemTests.ApiStartDuringOutageTests</c>.
/// </summary>
public sealed class RedisConnectionTests
{
    [Fact]
    public void Options_TryTheFirstConnectOnce_WhenTheConfigurationSaysNothingOfRetries()
    {
        var options = RedisConnection.Options("127.0.0.1:6379,connectTimeout=2000");

        options.ConnectRetry.Should().Be(1);
        options.ConnectTimeout.Should().Be(2000);
        options.AbortOnConnectFail.Should().BeFalse();
        options.BacklogPolicy.Should().Be(BacklogPolicy.FailFast);
    }

    [Theory]
    [InlineData("127.0.0.1:6379,connectRetry=4", 4)]
    [InlineData("127.0.0.1:6379, ConnectRetry = 2 ,ssl=false", 2)]
    public void Options_KeepTheConfiguredRetries_WhenTheConfigurationSetsThem(string configuration, int retries) =>
        RedisConnection.Options(configuration).ConnectRetry.Should().Be(retries);
}
