using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace QueueClient;

/// <summary>
/// How <c>AddQueueClient</c> configures the standard resilience pipeline: only safe methods (GET) are retried
/// (the API has no idempotency key, so a retried POST could enqueue a task twice); reads keep the standard
/// timeouts, and every other request — a 100 MiB upload above all — gets <see cref="WriteTimeout"/>.
/// </summary>
internal static class QueueClientResilience
{
    /// <summary>One attempt of a read (the standard default).</summary>
    public static readonly TimeSpan ReadAttemptTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A read with its retries and their delays (the standard default).</summary>
    public static readonly TimeSpan ReadTotalTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A write (upload, submission, cancel, admin call): sent once, given up to this long.</summary>
    public static readonly TimeSpan WriteTimeout = QueueApiClient.WriteTimeout;

    /// <summary>Set on a request whose 503 is an answer to read, not a failure to retry (<c>GET /health</c>).</summary>
    public static readonly HttpRequestOptionsKey<bool> ServiceUnavailableIsAnAnswer = new("QueueClient.ServiceUnavailableIsAnAnswer");

    /// <summary>Applies the choices above to the standard options.</summary>
    public static void Configure(HttpStandardResilienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AttemptTimeout.Timeout = ReadAttemptTimeout;
        options.AttemptTimeout.TimeoutGenerator = args => new(IsRead(args.Context) ? ReadAttemptTimeout : WriteTimeout);
        options.TotalRequestTimeout.Timeout = ReadTotalTimeout;
        options.TotalRequestTimeout.TimeoutGenerator = args => new(IsRead(args.Context) ? ReadTotalTimeout : WriteTimeout);

        var retryable = options.Retry.ShouldHandle;
        options.Retry.ShouldHandle = args => IsAnAnswer(args.Outcome) ? PredicateResult.False() : retryable(args);
        // Last, so it wraps the predicate above: POST, PUT, PATCH, DELETE and CONNECT are never retried.
        options.Retry.DisableForUnsafeHttpMethods();

        var failure = options.CircuitBreaker.ShouldHandle;
        options.CircuitBreaker.ShouldHandle = args => IsAnAnswer(args.Outcome) ? PredicateResult.False() : failure(args);
    }

    private static bool IsRead(ResilienceContext context) =>
        context.GetRequestMessage() is not { } request || QueueApiClient.IsSafe(request.Method);

    private static bool IsAnAnswer(Outcome<HttpResponseMessage> outcome) =>
        outcome.Result is { StatusCode: HttpStatusCode.ServiceUnavailable, RequestMessage: { } request }
        && request.Options.TryGetValue(ServiceUnavailableIsAnAnswer, out var isAnswer) && isAnswer;
}
