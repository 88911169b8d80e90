using Microsoft.AspNetCore.Diagnostics;
using QueueService.Stores;

namespace QueueHttpApi.Hosting;

/// <summary>
/// Turns what escapes an endpoint into problem details: a request ASP.NET Core could not read (bad
/// JSON, a wrong type, a body over its limit) keeps its own 4xx status; a store refusal maps as
/// <see cref="ApiProblems.FromStore"/> says; anything else is logged and answered 500.
/// </summary>
public sealed class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    /// <inheritdoc/>
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        IResult? result = exception switch
        {
            BadHttpRequestException bad => Results.Problem(Describe(bad), statusCode: bad.StatusCode, title: TitleOf(bad.StatusCode)),
            QueueStoreException store => ApiProblems.FromStore(store),
            _ => null,
        };
        if (result is null)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            return false; // the default handler writes a 500 problem
        }
        await result.ExecuteAsync(httpContext);
        return true;
    }

    private static string Describe(BadHttpRequestException bad) =>
        bad.InnerException is System.Text.Json.JsonException json ? $"{bad.Message} {json.Message}" : bad.Message;

    private static string TitleOf(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "The request body is too large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported content type",
        _ => "The request could not be read",
    };
}
