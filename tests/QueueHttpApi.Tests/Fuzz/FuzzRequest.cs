using System.Text;

namespace QueueHttpApi.Tests.Fuzz;

/// <summary>
/// One generated HTTP request, kept as data so a failure can say exactly what was sent. <see cref="Target"/> is
/// the path and query as they go on the wire; when HttpClient refuses a header or the target, the same request
/// is written by hand on a raw socket instead (<see cref="RawHttp"/>).
/// </summary>
internal sealed record FuzzRequest
{
    /// <summary>What kind of request this is and how it was mutated, such as <c>risk/json:duplicate-key</c>.</summary>
    public required string Family { get; init; }

    /// <summary>The method (any token, not only the standard ones).</summary>
    public required string Method { get; init; }

    /// <summary>The request target: path and query, as sent.</summary>
    public required string Target { get; init; }

    /// <summary>Headers beyond Host and the content headers.</summary>
    public IReadOnlyList<(string Name, string Value)> Headers { get; init; } = [];

    /// <summary>The <c>Content-Type</c> header value, exactly as sent; null for none.</summary>
    public string? ContentType { get; init; }

    /// <summary>The body; null for none.</summary>
    public byte[]? Body { get; init; }

    /// <summary>True to send the body chunked (no <c>Content-Length</c>), so the server must count what it reads.</summary>
    public bool Chunked { get; init; }

    /// <summary>The statuses the model says this request must get (a valid submission: 202); null when any non-5xx will do.</summary>
    public IReadOnlySet<int>? Expected { get; init; }

    /// <summary>The task status a 200 answer must show (a cancel: <c>cancelled</c>); null when not predicted.</summary>
    public string? ExpectedTaskStatus { get; init; }

    /// <summary>The submission's task type when a 202 would create a task (to track it), and whether it spools an upload.</summary>
    public (string Type, bool IsUpload)? Creates { get; init; }

    /// <summary>A description for a failure message: the request line, headers and an excerpt of the body.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(Family).Append(": ").Append(Method).Append(' ').Append(Excerpt(Target, 300)).AppendLine();
        if (ContentType is not null) text.Append("  Content-Type: ").AppendLine(Excerpt(ContentType, 200));
        if (Chunked) text.AppendLine("  Transfer-Encoding: chunked");
        foreach (var (name, value) in Headers) text.Append("  ").Append(Excerpt(name, 80)).Append(": ").AppendLine(Excerpt(value, 200));
        if (Body is { } body)
            text.Append("  body (").Append(body.Length).Append(" bytes): ").AppendLine(Excerpt(Printable(body.AsSpan(0, Math.Min(body.Length, 600))), 600));
        return text.ToString();
    }

    /// <summary><paramref name="bytes"/> as text, with what is not printable ASCII escaped.</summary>
    public static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (var b in bytes) text.Append(b is >= 0x20 and < 0x7F ? (char)b : $"\\x{b:X2}");
        return text.ToString();
    }

    private static string Excerpt(string text, int max) => text.Length <= max ? text : $"{text[..max]}… ({text.Length} chars)";
}

/// <summary>What came back: the status, the media type, and the body (or that the connection closed without an answer).</summary>
/// <param name="Status">The status code; 0 when nothing came back.</param>
/// <param name="MediaType">The media type of <c>Content-Type</c>, lower case; null when absent.</param>
/// <param name="Body">The body.</param>
/// <param name="Location">The <c>Location</c> header, when given.</param>
/// <param name="Failure">Why there is no answer (the connection closed, a timeout), when <see cref="Status"/> is 0.</param>
internal sealed record FuzzResponse(int Status, string? MediaType, byte[] Body, string? Location = null, string? Failure = null)
{
    /// <summary>True when the server said <c>Connection: close</c>: no further answers come on that connection.</summary>
    public bool ClosesConnection { get; init; }

    /// <summary>No answer: the connection closed or the deadline passed.</summary>
    public static FuzzResponse None(string failure) => new(0, null, [], null, failure);

    /// <summary>The body as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Body);

    /// <summary>A short description for a failure message.</summary>
    public string Describe() => Status == 0
        ? $"no answer: {Failure}"
        : $"{Status} {MediaType ?? "(no content type)"} {FuzzRequest.Printable(Body.AsSpan(0, Math.Min(Body.Length, 500)))}";
}
