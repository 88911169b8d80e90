using QueueClient.Internal;
using QueueClient.Tests.Support;
using QueueHttpApi.Tests.Support;

namespace QueueClient.Tests;

/// <summary>Base addresses with and without a trailing slash, with a path prefix behind a gateway, and bad ones.</summary>
public sealed class BaseAddressTests
{
    [Theory]
    [InlineData("/queue")]
    [InlineData("/queue/")]
    public async Task Methods_KeepThePathPrefix_WhenTheApiIsServedUnderOne(string prefix)
    {
        using var api = ClientTestSupport.StartEmbedded();
        await using var gateway = await LoopbackServer.StartProxyAsync(ClientTestSupport.AddressOf(api), prefix: "/queue");
        using var client = ClientTestSupport.ClientOf(new Uri(gateway.Address, prefix));

        var submitted = await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "behind a gateway" });
        var page = await client.ListTasksAsync(new TaskListQuery { Status = QueueTaskStatus.Queued });
        var cancelled = await client.CancelAsync(submitted.Id);

        submitted.Location.Should().Be(new Uri(gateway.Address, $"/queue/tasks/{submitted.Id}"));
        page.Items.Select(t => t.Id).Should().Equal(submitted.Id);
        cancelled.Status.Should().Be(QueueTaskStatus.Cancelled);
        gateway.Requests.Should().OnlyContain(r => r.Contains(" /queue/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Methods_Work_WhenTheBaseAddressHasNoTrailingSlash()
    {
        using var api = ClientTestSupport.StartEmbedded();
        using var client = ClientTestSupport.ClientOf(new Uri(ClientTestSupport.AddressOf(api).ToString().TrimEnd('/')));

        (await client.GetStatsAsync()).Store.Should().Be("memory");
    }

    [Theory]
    [InlineData("ftp://example.com/")]
    [InlineData("/relative/only")]
    public void Create_ThrowsArgumentException_WhenTheBaseAddressIsNotAnAbsoluteHttpUrl(string address)
    {
        var act = () => QueueApiClient.CreateOwning(new QueueClientOptions { BaseAddress = new Uri(address, UriKind.RelativeOrAbsolute) },
            ClientTestSupport.NoEnvironment, TimeProvider.System);

        act.Should().Throw<ArgumentException>().WithMessage("*absolute http or https URL*");
    }

    [Fact]
    public void Create_ThrowsArgumentExceptionNamingTheVariable_WhenQueueServiceUrlIsNotAUrl()
    {
        var act = () => QueueApiClient.CreateOwning(new QueueClientOptions(), name => name == "QUEUE_SERVICE_URL" ? "localhost:8002" : null, TimeProvider.System);

        act.Should().Throw<ArgumentException>().WithMessage("QUEUE_SERVICE_URL must be an absolute http or https URL*'localhost:8002'*");
    }

    [Fact]
    public void WebSocketAddresses_UseWsOrWssAndKeepThePrefix()
    {
        ClientSettings.Resolve(new QueueClientOptions { BaseAddress = new Uri("http://host:8002/queue") }, ClientTestSupport.NoEnvironment)
            .WebSocket("ws/tasks/x").Should().Be(new Uri("ws://host:8002/queue/ws/tasks/x"));
        ClientSettings.Resolve(new QueueClientOptions { BaseAddress = new Uri("https://host/queue/") }, ClientTestSupport.NoEnvironment)
            .WebSocket("ws/events").Should().Be(new Uri("wss://host/queue/ws/events"));
    }
}
