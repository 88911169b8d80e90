using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using QueueHttpApi.Hosting;

namespace QueueHttpApi.Admin;

/// <summary>
/// Guards the admin route group: the request must carry <see cref="HeaderName"/> equal to
/// <see cref="ApiOptions.AdminApiKey"/> (<c>Queue:Api:AdminApiKey</c>, env <c>QUEUE_ADMIN_API_KEY</c>).
/// <list type="bullet">
/// <item>No header (or an empty one): 401 with <c>WWW-Authenticate: ApiKey header="X-Api-Key"</c>.</item>
/// <item>A wrong key: 403. Keys are compared in constant time (as SHA-256 digests, so not even the length leaks).</item>
/// <item>No key configured: 403 outside the Development environment; in Development every request passes, and a
/// warning says so once per process.</item>
/// </list>
/// One instance per host (a singleton), so the warning is logged once.
/// </summary>
public sealed class AdminApiKeyFilter(IOptions<ApiOptions> options, IHostEnvironment environment, ILogger<AdminApiKeyFilter> logger)
    : IEndpointFilter
{
    /// <summary>The request header that carries the key.</summary>
    public const string HeaderName = "X-Api-Key";

    private int _warned;

    /// <inheritdoc/>
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var configured = options.Value.AdminApiKey;
        if (string.IsNullOrEmpty(configured))
        {
            if (!environment.IsDevelopment())
                return Forbidden("No admin API key is configured, so admin endpoints are closed. Set QUEUE_ADMIN_API_KEY (Queue:Api:AdminApiKey).");
            if (Interlocked.Exchange(ref _warned, 1) == 0)
                logger.LogWarning("No admin API key is configured (QUEUE_ADMIN_API_KEY): admin endpoints are open to anyone because the environment is Development");
            return await next(context);
        }

        var presented = context.HttpContext.Request.Headers[HeaderName].ToString();
        if (presented.Length == 0)
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = $"ApiKey header=\"{HeaderName}\"";
            return Results.Problem($"Admin endpoints need the {HeaderName} header.", statusCode: StatusCodes.Status401Unauthorized,
                title: "An admin API key is required");
        }
        if (!Matches(presented, configured))
            return Forbidden($"The {HeaderName} header does not hold the admin API key.");
        return await next(context);
    }

    /// <summary>True when the two keys are equal, in time that depends on neither's content or length.</summary>
    internal static bool Matches(string presented, string configured) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(configured)));

    private static IResult Forbidden(string detail) =>
        Results.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Not allowed");
}
