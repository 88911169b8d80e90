using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace QueueClient.Tests.Support;

/// <summary>
/// A small real HTTP server on a free loopback port (Kestrel), answering with <c>handler</c>: a flaky endpoint, a
/// proxy in front of the API. It records every request it gets as <c>METHOD /path?query</c>, in order.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    /// <summary>What the proxy does with a WebSocket upgrade.</summary>
    public enum SocketPlan
    {
        /// <summary>Answers 502: WebSockets do not pass.</summary>
        Refuse,
        /// <summary>Never answers the upgrade (until the client gives up).</summary>
        Hang,
        /// <summary>Carries the socket to the API and back.</summary>
        Carry,
        /// <summary>Accepts the upgrade, then drops the connection at once, without a message or a close handshake.</summary>
        DropOnOpen,
        /// <summary>Carries the API's first message, then closes with 1001 (going away), as a gateway or server shutting down does.</summary>
        GoAwayAfterFirstMessage,
    }

    private int _sockets;

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _requests = new();

    private LoopbackServer(WebApplication app) => _app = app;

    /// <summary>The server's root, such as <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The requests received so far, in order.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    /// <summary>How many requests were <c>METHOD path</c> exactly (query ignored).</summary>
    public int Count(string method, string path) =>
        Requests.Count(r => r.Split('?')[0] == $"{method} {path}");

    /// <summary>Starts a server that answers every request with <paramref name="handler"/>.</summary>
    public static async Task<LoopbackServer> StartAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.UseWebSockets();
        var server = new LoopbackServer(app);
        app.Run(context =>
        {
            server._requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
            return handler(context);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Address = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    /// <summary>
    /// A reverse proxy to <paramref name="upstream"/> serving it under <paramref name="prefix"/> (such as <c>/queue</c>,
    /// or empty), the way a gateway would. WebSocket upgrades follow <paramref name="plan"/>, given the 1-based number
    /// of the upgrade (default: all refused with 502, so only plain HTTP reaches the API). Location headers pass unchanged.
    /// </summary>
    public static async Task<LoopbackServer> StartProxyAsync(Uri upstream, string prefix = "", Func<int, SocketPlan>? plan = null)
    {
        plan ??= _ => SocketPlan.Refuse;
        var http = new HttpClient { BaseAddress = upstream };
        LoopbackServer? server = null;
        server = await StartAsync(async context =>
        {
            var path = context.Request.Path.Value ?? "/";
            if (!path.StartsWith(prefix + "/", StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                await context.Response.WriteAsync("Not under the gateway's prefix.");
                return;
            }
            var relative = path[prefix.Length..].TrimStart('/') + context.Request.QueryString;
            if (context.WebSockets.IsWebSocketRequest)
            {
                await CarrySocketAsync(context, new Uri(new Uri(upstream.ToString().Replace("http", "ws", StringComparison.Ordinal)), relative),
                    plan(Interlocked.Increment(ref server!._sockets)));
                return;
            }
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), relative);
            if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
            {
                request.Content = new StreamContent(context.Request.Body);
                if (context.Request.ContentType is { } type) request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
                if (context.Request.ContentLength is { } length) request.Content.Headers.ContentLength = length;
            }
            foreach (var (name, values) in context.Request.Headers)
            {
                if (name.StartsWith("X-", StringComparison.OrdinalIgnoreCase)) request.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (name is "Transfer-Encoding" or "Connection") continue;
                context.Response.Headers[name] = values.ToArray();
            }
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
        return server;
    }

    private static async Task CarrySocketAsync(HttpContext context, Uri upstream, SocketPlan plan)
    {
        if (plan == SocketPlan.Refuse)
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            await context.Response.WriteAsync("This gateway does not carry WebSockets.");
            return;
        }
        if (plan == SocketPlan.Hang)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The client gave up waiting, as it should.
            }
            return;
        }
        using var api = new ClientWebSocket();
        api.Options.CollectHttpResponseDetails = true;
        if (context.Request.Headers["X-Api-Key"].ToString() is { Length: > 0 } key) api.Options.SetRequestHeader("X-Api-Key", key);
        try
        {
            await api.ConnectAsync(upstream, context.RequestAborted);
        }
        catch (WebSocketException)
        {
            context.Response.StatusCode = api.HttpStatusCode == 0 ? StatusCodes.Status502BadGateway : (int)api.HttpStatusCode;
            return;
        }
        using var client = await context.WebSockets.AcceptWebSocketAsync();
        if (plan == SocketPlan.DropOnOpen)
        {
            context.Abort();
            return;
        }
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        // The client sends nothing but its close; pass that on.
        var fromClient = Task.Run(async () =>
        {
            var ignored = new byte[1024];
            try
            {
                while ((await client.ReceiveAsync(ignored, done.Token)).MessageType != WebSocketMessageType.Close) { }
                await api.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "client closed", done.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException) { }
        });
        var buffer = new byte[1 << 20];
        var messages = 0;
        try
        {
            while (true)
            {
                var result = await api.ReceiveAsync(buffer, done.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await client.CloseOutputAsync(api.CloseStatus ?? WebSocketCloseStatus.NormalClosure, api.CloseStatusDescription, done.Token);
                    break;
                }
                await client.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, done.Token);
                if (result.EndOfMessage && ++messages == 1 && plan == SocketPlan.GoAwayAfterFirstMessage)
                {
                    // A close rather than an abort: aborting could discard the message still in Kestrel's output.
                    await client.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "gateway going away", done.Token);
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // One side went away: the other follows below.
        }
        // Cancelling now would abort the connection and could discard the close still in Kestrel's output: wait for the client's close.
        try
        {
            await fromClient.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException) { }
        await done.CancelAsync();
        await fromClient;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
