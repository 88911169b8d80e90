using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QueueHttpApi.Events;
using QueueHttpApi.Tests.Support;

namespace QueueHttpApi.Tests.Events;

public sealed class TaskEventOptionsTests
{
    [Fact]
    public void WebSocketKeepAlive_FollowsTheEventsSettings()
    {
        using var api = ApiFactory.Embedded(settings: new Dictionary<string, string?>
        {
            ["Queue:Events:KeepAliveInterval"] = "00:00:07",
            ["Queue:Events:KeepAliveTimeout"] = "00:00:09",
        });

        var webSockets = api.Services.GetRequiredService<IOptions<WebSocketOptions>>().Value;

        webSockets.KeepAliveInterval.Should().Be(TimeSpan.FromSeconds(7));
        webSockets.KeepAliveTimeout.Should().Be(TimeSpan.FromSeconds(9));
    }

    [Theory]
    [InlineData("Queue:Events:SendQueueCapacity", "0", nameof(TaskEventOptions.SendQueueCapacity))]
    [InlineData("Queue:Events:PositionInterval", "00:00:00", nameof(TaskEventOptions.PositionInterval))]
    [InlineData("Queue:Events:KeepAliveInterval", "02:00:00", nameof(TaskEventOptions.KeepAliveInterval))]
    public void Options_AreRefusedNamingTheSetting_WhenAnEventsSettingIsOutOfRange(string key, string value, string property)
    {
        // The registration the host uses (validated on start); read here without a host, whose factory cannot be disposed after a failed start.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        using var services = new ServiceCollection().AddTaskEvents(configuration).BuildServiceProvider();

        var read = () => services.GetRequiredService<IOptions<TaskEventOptions>>().Value;

        read.Should().Throw<OptionsValidationException>().WithMessage($"*{property}*");
    }
}
