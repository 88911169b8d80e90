using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using QueueHttpApi.Events;
using QueueHttpApi.Tests.Support;
using QueueService.Tasks;
using Xunit.Sdk;

namespace QueueHttpApi.Tests.Events;

/// <summary>
/// A client that stops reading, over real TCP: the in-process test server's sockets buffer without
/// limit, so only Kestrel on loopback makes a send wait. Embedded mode only: dropping a slow socket is
/// the API's doing and the same whatever store feeds it.
/// </summary>
public sealed class SlowClientTests
{
    private const int Capacity = 8;

    [Fact]
    public async Task EventsFeed_DropsTheQueueAndClosesWith1008_WhenTheClientFallsTooFarBehind()
    {
        using var api = ApiFactory.Embedded(settings: new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Queue:Events:SendQueueCapacity"] = Capacity.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Long enough for the test to start reading: the client is slow, not gone.
            ["Queue:Events:CloseTimeout"] = "00:00:30",
            ["Queue:Snapshots:BackupOnShutdown"] = "false",
        });
        var address = api.StartOnKestrel();
        using var socket = await ConnectWithASmallWindowAsync(new Uri($"ws://{address.Authority}/ws/events"));
        var broadcaster = api.Services.GetRequiredService<TaskEventBroadcaster>();

        // Large progress messages until the server gives up on the client, which reads nothing meanwhile.
        var task = await api.Store.EnqueueAsync(new NewTask("risk-detection", "{}"));
        var lease = (await api.Store.LeaseAsync("worker-1", ["risk-detection"], 1, TimeSpan.FromMinutes(5))).Single();
        var note = new string('x', 4096);
        var published = 2;
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (broadcaster.SlowClientsDropped == 0)
            {
                if (deadline.IsCancellationRequested) throw new XunitException($"The server never dropped the client after {published} events.");
                for (var i = 0; i < 50; i++, published++) await api.Store.ReportProgressAsync(lease, new TaskProgress(i, note));
                await Task.Yield();
            }
        }

        using var probe = new SocketProbe(socket);
        var (messages, status, reason) = await probe.ReadToCloseAsync();
        status.Should().Be(WebSocketCloseStatus.PolicyViolation);
        reason.Should().Be(EventSocket.OverrunReason);
        // What was sent before the overrun arrives; what was queued after it is dropped, never delivered late.
        // (None at all when the queue filled before the send loop ran: 8 messages is little on a busy machine.)
        messages.Should().HaveCountLessThan(published);
        messages.Where(m => m.GetProperty("taskId").GetString() != task.Id).Should().BeEmpty();
    }

    // A receive window of 4 KiB (no autotuning), so the server's sends wait after a few messages, not megabytes.
    private static async Task<ClientWebSocket> ConnectWithASmallWindowAsync(Uri uri)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
                try
                {
                    await tcp.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(tcp, ownsSocket: true);
                }
                catch
                {
                    tcp.Dispose();
                    throw;
                }
            },
        };
        using var invoker = new HttpMessageInvoker(handler);
        var socket = new ClientWebSocket();
        using var deadline = new CancellationTokenSource(SocketProbe.Patience);
        await socket.ConnectAsync(uri, invoker, deadline.Token);
        return socket;
    }
}
