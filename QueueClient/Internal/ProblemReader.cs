using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;

namespace QueueClient.Internal;

/// <summary>
/// Turns a refusal into a <see cref="QueueApiException"/>: the API's RFC 7807 problem details when the body is
/// one, else (a proxy's HTML page, a plain-text error) the status with a short excerpt of the body as detail.
/// </summary>
internal static class ProblemReader
{
    /// <summary>How much of an error body is read: problems are small; an HTML error page needs only its start.</summary>
    private const int MaxBodyBytes = 64 * 1024;

    /// <summary>How much of a body that is not a problem is kept as the detail.</summary>
    private const int ExcerptChars = 200;

    /// <summary>The exception for <paramref name="response"/>, which is not a success.</summary>
    public static async Task<QueueApiException> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string body;
        try
        {
            body = await ReadStartAsync(response.Content, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // The status alone still says what happened.
            return new QueueApiException(response.StatusCode, TitleOf(response), null, innerException: ex);
        }
        return FromBody(response.StatusCode, TitleOf(response), body);
    }

    /// <summary>The exception for a refusal with status <paramref name="status"/> and body <paramref name="body"/>.</summary>
    public static QueueApiException FromBody(HttpStatusCode status, string fallbackTitle, string body)
    {
        if (TryReadProblem(status, body) is { } problem) return problem;
        return new QueueApiException(status, fallbackTitle, Excerpt(body));
    }

    private static QueueApiException? TryReadProblem(HttpStatusCode status, string body)
    {
        var start = body.AsSpan().TrimStart();
        if (start.IsEmpty || start[0] != '{') return null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var title = StringOf(root, "title");
            var detail = StringOf(root, "detail");
            var errors = ErrorsOf(root);
            if (title is null && detail is null && errors.Count == 0) return null;
            return new QueueApiException(status, title, detail, errors, StringOf(root, "type"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? StringOf(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    // The validation-problem shape: field → [messages]; a lone string is taken as one message.
    private static Dictionary<string, string[]> ErrorsOf(JsonElement root)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!root.TryGetProperty("errors", out var value) || value.ValueKind != JsonValueKind.Object) return errors;
        foreach (var field in value.EnumerateObject())
        {
            errors[field.Name] = field.Value.ValueKind switch
            {
                JsonValueKind.Array => [.. field.Value.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String).Select(m => m.GetString()!)],
                JsonValueKind.String => [field.Value.GetString()!],
                _ => [],
            };
        }
        return errors;
    }

    private static string TitleOf(HttpResponseMessage response) =>
        string.IsNullOrWhiteSpace(response.ReasonPhrase) ? response.StatusCode.ToString() : response.ReasonPhrase;

    /// <summary>The body's text on one line, at most <see cref="ExcerptChars"/> characters; null when it is empty.</summary>
    internal static string? Excerpt(string body)
    {
        var text = string.Join(' ', body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (text.Length == 0) return null;
        return text.Length <= ExcerptChars ? text : text[..ExcerptChars] + "…";
    }

    private static async Task<string> ReadStartAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(MaxBodyBytes);
        try
        {
            var length = 0;
            while (length < MaxBodyBytes)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(length, MaxBodyBytes - length), cancellationToken);
                if (read == 0) break;
                length += read;
            }
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
