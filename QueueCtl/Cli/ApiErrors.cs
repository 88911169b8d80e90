using System.Text.Json;
using QueueClient;

namespace QueueCtl.Cli;

/// <summary>
/// Turns what the client throws into the lines queuectl prints (without the <c>queuectl:</c> prefix): a refusal as
/// <c>&lt;status&gt; &lt;title&gt;: &lt;detail&gt;</c> plus one line per field error; an unreachable service as
/// <c>cannot reach the queue service at &lt;url&gt;: &lt;reason&gt;</c>. No stack traces.
/// </summary>
internal static class ApiErrors
{
    /// <summary>
    /// The lines for <paramref name="error"/>, or null when it is not an API or transport failure (a bug, to be rethrown).
    /// <paramref name="baseAddress"/> names the service in the unreachable message (omitted when null).
    /// </summary>
    public static IReadOnlyList<string>? Describe(Exception error, Uri? baseAddress)
    {
        var where = baseAddress is null ? "the queue service" : $"the queue service at {baseAddress.ToString().TrimEnd('/')}";
        return error switch
        {
            QueueApiException refusal => Refusal(refusal),
            // An HTTP answer that is not the API's JSON: something else listens at the URL.
            HttpRequestException { HttpRequestError: HttpRequestError.InvalidResponse, StatusCode: not null } other =>
                [$"{where} did not answer as the queue API: {other.Message}"],
            HttpRequestException transport => [$"cannot reach {where}: {Reason(transport)}"],
            // HttpClient's own timeout surfaces as a cancellation the caller did not ask for.
            OperationCanceledException { InnerException: TimeoutException timeout } => [$"cannot reach {where}: {timeout.Message}"],
            TimeoutException timeout => [$"cannot reach {where}: {timeout.Message}"],
            JsonException json => [$"{where} answered with something that is not the queue API's JSON: {json.Message}"],
            _ => null,
        };
    }

    private static List<string> Refusal(QueueApiException refusal)
    {
        var head = $"{(int)refusal.StatusCode} {refusal.Title ?? refusal.StatusCode.ToString()}";
        var lines = new List<string> { string.IsNullOrWhiteSpace(refusal.Detail) ? head : $"{head}: {refusal.Detail}" };
        foreach (var (field, messages) in refusal.Errors.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            foreach (var message in messages) lines.Add($"  {field}: {message}");
        if (refusal.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden)
            lines.Add($"  (the admin key comes from --api-key or {QueueClientOptions.ApiKeyVariable})");
        return lines;
    }

    // The innermost message names the cause ("Connection refused (127.0.0.1:1)"); the outer one often only wraps it.
    private static string Reason(HttpRequestException transport)
    {
        var reason = transport.Message;
        for (var inner = transport.InnerException; inner is not null; inner = inner.InnerException)
            if (!string.IsNullOrWhiteSpace(inner.Message) && !reason.Contains(inner.Message, StringComparison.Ordinal)) reason = $"{reason} ({inner.Message})";
        return reason;
    }
}
