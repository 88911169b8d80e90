using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using QueueClient.Tests.Support;

namespace QueueClient.Tests;

/// <summary>
/// The client against servers that misbehave as real ones do: an API restarting under a wait, a body that
/// stalls after its headers, a caller's stream reused after a submission.
/// </summary>
public sealed class QueueApiClientRobustnessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task WaitForCompletion_KeepsPollingThroughAnOutage_WhenTheApiDropsConnectionsThenAnswers503()
    {
        // A real loopback server standing in for an API that restarts: sockets refused, two polls cut off (nothing
        // listening), two 503 problems (store not ready), then the finished task.
        var polls = 0;
        await using var server = await LoopbackServer.StartAsync(async context =>
        {
            var path = context.Request.Path.Value ?? "";
            if (path.StartsWith("/ws/", StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status502BadGateway;
                return;
            }
            if (path != "/tasks/t1")
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            var n = Interlocked.Increment(ref polls);
            switch (n)
            {
                case 1:
                    await WriteTaskAsync(context, "queued", 1);
                    break;
                case 2 or 3:
                    context.Abort();
                    break;
                case 4 or 5:
                    context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    context.Response.ContentType = "application/problem+json";
                    await context.Response.WriteAsync("""{"status":503,"title":"The queue store is unavailable","detail":"restarting"}""");
                    break;
                default:
                    await WriteTaskAsync(context, "completed", 2);
                    break;
            }
        });
        using var client = ClientTestSupport.ClientOf(server.Address, pollInterval: TimeSpan.FromMilliseconds(20),
            webSocketConnectTimeout: TimeSpan.FromMilliseconds(500));

        var task = await client.WaitForCompletionAsync("t1").WaitAsync(Patience);

        task.Status.Should().Be(QueueTaskStatus.Completed);
        polls.Should().Be(7, "two dropped polls and two 503s are waited out, not thrown; then the final read of the finished task");
    }

    [Fact]
    public async Task GetStats_TimesOutAsAnHttpRequestException_WhenTheBodyStallsAfterTheHeaders()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        var stalling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var socket = await listener.AcceptSocketAsync(stop.Token);
                await socket.ReceiveAsync(new byte[4096], stop.Token);
                await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"store\":"), stop.Token);
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
        var services = new ServiceCollection();
        services.AddSingleton(new ClientEnvironment(ClientTestSupport.NoEnvironment));
        services.AddQueueClient(o => o.BaseAddress = new Uri($"http://127.0.0.1:{port}/"));
        // The product's timeouts (10 s an attempt, 30 s in all), shortened so the test is quick.
        services.PostConfigure<HttpStandardResilienceOptions>("IQueueApiClient-standard", o =>
        {
            o.AttemptTimeout.TimeoutGenerator = _ => new(TimeSpan.FromMilliseconds(500));
            o.TotalRequestTimeout.TimeoutGenerator = _ => new(TimeSpan.FromSeconds(2));
        });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IQueueApiClient>();
        var clock = Stopwatch.StartNew();

        var act = () => client.GetStatsAsync().WaitAsync(Patience);

        await act.Should().ThrowAsync<HttpRequestException>();
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "the pipeline's timeouts cover the body, not only the headers");
        await stop.CancelAsync();
        listener.Stop();
        await stalling.WaitAsync(Patience).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task SubmitTranscription_LeavesTheCallersStreamOpen_WhenTheUploadIsSent()
    {
        using var api = ClientTestSupport.StartEmbedded();
        using var client = ClientTestSupport.ClientOf(api);
        using var audio = new MemoryStream(ClientTestSupport.Wav());

        var first = await client.SubmitTranscriptionAsync(audio, "a.wav");
        audio.CanRead.Should().BeTrue("the caller owns the stream it passed in");
        audio.Position = 0;
        var second = await client.SubmitTranscriptionAsync(audio, "a.wav");

        second.Id.Should().NotBe(first.Id, "the rewound stream was sent again as a new task");
    }

    private static Task WriteTaskAsync(HttpContext context, string status, int minute)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(
            $$"""{"id":"t1","type":"risk-detection","status":"{{status}}","createdAt":"2026-11-23T10:00:00Z","updatedAt":"2026-11-23T10:0{{minute}}:00Z"}""");
    }
}
