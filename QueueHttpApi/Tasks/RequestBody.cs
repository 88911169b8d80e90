using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace QueueHttpApi.Tasks;

/// <summary>
/// Reading a request body within a byte limit. The limit is enforced twice: the server's own
/// (<see cref="IHttpMaxRequestBodySizeFeature"/>, set per request, so Kestrel stops an oversize
/// upload early) and a count of the bytes actually read, which also holds where the server has no
/// such limit (the in-process test server, a proxy feature that is read-only).
/// </summary>
internal static class RequestBody
{
    private const int ReadChunkBytes = 16 * 1024;
    private const int MaxJsonDepth = 16;

    /// <summary>
    /// Refuses a body that announces more than <paramref name="maxBytes"/> (413 naming <paramref name="field"/>)
    /// and asks the server to stop reading past it.
    /// </summary>
    public static void Limit(HttpRequest request, long maxBytes, string field)
    {
        if (request.ContentLength > maxBytes)
            throw TaskProblemException.TooLarge(field, $"The request body is {request.ContentLength} bytes; the limit is {maxBytes}.");
        var feature = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = maxBytes;
    }

    /// <summary>True when the request says it carries JSON (<c>application/json</c> or <c>*/*+json</c>).</summary>
    public static bool IsJson(HttpRequest request) => request.HasJsonContentType();

    /// <summary>
    /// Reads the whole body (at most <paramref name="maxBytes"/>) and parses it as one JSON object.
    /// </summary>
    /// <exception cref="TaskProblemException">415 when it is not JSON; 413 when over the limit; 400 naming
    /// <c>body</c> when empty, malformed, nested deeper than 16 levels, or not an object; 400 naming the field whose
    /// text is not valid Unicode (<c>body</c> when it is a field name).</exception>
    public static async Task<JsonDocument> ReadJsonObjectAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (!IsJson(request))
            throw TaskProblemException.Unsupported($"Send the body as application/json; got '{request.ContentType ?? "no content type"}'.");
        Limit(request, maxBytes, "body");
        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? ReadChunkBytes, maxBytes) + 1);
        while (true)
        {
            var read = await ReadClientAsync(request.Body, buffer.GetMemory(ReadChunkBytes), "body", cancellationToken);
            if (read == 0) break;
            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
                throw TaskProblemException.TooLarge("body", $"The request body is over the {maxBytes}-byte limit.");
        }

        var json = buffer.WrittenMemory;
        if (json.Span.StartsWith("\uFEFF"u8)) json = json[3..]; // a UTF-8 byte order mark is allowed, not JSON
        if (json.IsEmpty) throw TaskProblemException.Invalid("body", "The body is empty: send a JSON object.");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxJsonDepth });
        }
        catch (JsonException ex)
        {
            throw TaskProblemException.Invalid("body", $"The body is not valid JSON: {ex.Message}");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind.ToString().ToLowerInvariant();
            document.Dispose();
            throw TaskProblemException.Invalid("body", $"The body must be a JSON object; got {kind}.");
        }
        try
        {
            EnsureText(document.RootElement);
        }
        catch (TaskProblemException)
        {
            document.Dispose();
            throw;
        }
        return document;
    }

    // The parser takes invalid UTF-8 and unpaired surrogate escapes (\ud800) inside strings as JSON; reading such a
    // string throws later (a 500). Every name and string is read once here, so the refusal names its top-level field.
    private static void EnsureText(JsonElement body)
    {
        foreach (var property in body.EnumerateObject())
        {
            if (!TryName(property, out var name))
                throw TaskProblemException.Invalid("body", "A field name in the body is not valid text (invalid UTF-8, or an unpaired surrogate escape such as \\ud800).");
            if (!IsText(property.Value))
                throw TaskProblemException.Invalid(TaskFieldRules.Shorten(name),
                    $"'{TaskFieldRules.Shorten(name)}' holds text that is not valid Unicode (invalid UTF-8, or an unpaired surrogate escape such as \\ud800).");
        }
    }

    private static bool IsText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => TryString(value),
        JsonValueKind.Array => value.EnumerateArray().All(IsText),
        JsonValueKind.Object => value.EnumerateObject().All(p => TryName(p, out _) && IsText(p.Value)),
        _ => true,
    };

    private static bool TryString(JsonElement value)
    {
        try
        {
            _ = value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool TryName(JsonProperty property, out string name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = "";
            return false;
        }
    }

    /// <summary>
    /// One read from the client, with the client's failures turned into problems: the server's body
    /// limit (413 naming <paramref name="tooLargeField"/>), a malformed or truncated body (400 naming <c>body</c>).
    /// A cancelled request stays an <see cref="OperationCanceledException"/>.
    /// </summary>
    public static async Task<T> FromClientAsync<T>(Func<Task<T>> read, string tooLargeField)
    {
        try
        {
            return await read();
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TaskProblemException.TooLarge(tooLargeField, $"The request body is over the server's limit: {ex.Message}");
        }
        catch (BadHttpRequestException ex)
        {
            throw TaskProblemException.Invalid("body", $"The request body could not be read: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException)
        {
            throw TaskProblemException.Invalid("body", $"The request body is malformed or ended early: {ex.Message}");
        }
    }

    private static Task<int> ReadClientAsync(Stream body, Memory<byte> into, string tooLargeField, CancellationToken cancellationToken) =>
        FromClientAsync(async () => await body.ReadAsync(into, cancellationToken), tooLargeField);
}
