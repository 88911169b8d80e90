using System.Net;

namespace QueueClient;

/// <summary>
/// The API refused a request: its RFC 7807 problem details, typed. <see cref="Errors"/> names the fields
/// at fault on a validation problem (400), by field name as the API spells it.
/// </summary>
public sealed class QueueApiException : Exception
{
    /// <summary>A refusal with the given status and problem fields.</summary>
    public QueueApiException(HttpStatusCode statusCode, string? title, string? detail,
        IReadOnlyDictionary<string, string[]>? errors = null, string? problemType = null, Exception? innerException = null)
        : base(MessageOf(statusCode, title, detail), innerException)
    {
        StatusCode = statusCode;
        Title = title;
        Detail = detail;
        Errors = errors ?? new Dictionary<string, string[]>(StringComparer.Ordinal);
        ProblemType = problemType;
    }

    /// <summary>The HTTP status (400, 401, 403, 404, 409, 413, 415, 503, …).</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The problem's title, such as <c>Task not found</c>.</summary>
    public string? Title { get; }

    /// <summary>The problem's detail: what exactly was wrong.</summary>
    public string? Detail { get; }

    /// <summary>Field name → messages, on a validation problem; empty otherwise.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>The problem's <c>type</c> URI, if it sent one.</summary>
    public string? ProblemType { get; }

    private static string MessageOf(HttpStatusCode statusCode, string? title, string? detail)
    {
        var head = $"{(int)statusCode} {title ?? statusCode.ToString()}";
        return string.IsNullOrWhiteSpace(detail) ? head : $"{head}: {detail}";
    }
}
