using QueueService.Stores;

namespace QueueHttpApi.Hosting;

/// <summary>
/// The API's RFC 7807 answers, in one place so every endpoint words them alike. A validation problem
/// names the field in <c>errors</c> (the ASP.NET Core validation-problem shape).
/// </summary>
public static class ApiProblems
{
    /// <summary>400 naming one bad field.</summary>
    public static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] },
            detail: message, title: "The request is invalid");

    /// <summary>404 for an unknown task id.</summary>
    public static IResult TaskNotFound(string id) =>
        Results.Problem($"No task has the id '{id}' (or it was purged).", statusCode: StatusCodes.Status404NotFound, title: "Task not found");

    /// <summary>409 for an operation the task's status does not allow.</summary>
    public static IResult Conflict(string message) =>
        Results.Problem(message, statusCode: StatusCodes.Status409Conflict, title: "Not allowed in the task's current status");

    /// <summary>503 while the store cannot be reached; the client may retry.</summary>
    public static IResult Unavailable(string message) =>
        Results.Problem(message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "The queue store is unavailable");

    /// <summary>The answer for a store refusal: 400 (naming the field), 404, 409 or 503; null for an internal error (a 500 to log).</summary>
    public static IResult? FromStore(QueueStoreException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return ex.Error switch
        {
            StoreError.Invalid => Invalid(ex.Field ?? "request", ex.Message),
            StoreError.NotFound => TaskNotFound(ex.TaskId ?? ""),
            StoreError.IllegalTransition => Conflict(ex.Message),
            StoreError.LeaseNotHeld => Conflict(ex.Message),
            StoreError.Unavailable => Unavailable(ex.Message),
            _ => null,
        };
    }
}
