using System.Collections.Concurrent;
using System.Net;
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
internal sealed class LoopbackServer : IAsyncDisposable
{
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
    /// or empty), the way a gateway would, except that it refuses every WebSocket upgrade with 502: through it, only
    /// plain HTTP reaches the API. Location headers pass through unchanged.
    /// </summary>
    public static Task<LoopbackServer> StartProxyAsync(Uri upstream, string prefix = "")
    {
        var http = new HttpClient { BaseAddress = upstream };
        return StartAsync(async context =>
        {
            if (context.Request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.StatusCode = StatusCodes.Status502BadGateway;
                await context.Response.WriteAsync("This gateway does not carry WebSockets.");
                return;
            }
            var path = context.Request.Path.Value ?? "/";
            if (!path.StartsWith(prefix + "/", StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                await context.Response.WriteAsync("Not under the gateway's prefix.");
                return;
            }
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), path[prefix.Length..].TrimStart('/') + context.Request.QueryString);
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
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
