namespace QueueHttpApi.Tasks;

/// <summary>
/// A refusal the task endpoints answer as a problem naming the field at fault: thrown where the
/// request is read, caught once per endpoint and written by <see cref="TaskProblems.From"/>.
/// </summary>
internal sealed class TaskProblemException : Exception
{
    private TaskProblemException(int statusCode, string message, IReadOnlyList<string> fields) : base(message)
    {
        StatusCode = statusCode;
        Fields = fields;
    }

    /// <summary>The HTTP status to answer.</summary>
    public int StatusCode { get; }

    /// <summary>The request fields at fault (at least one), as the <c>errors</c> keys of the problem.</summary>
    public IReadOnlyList<string> Fields { get; }

    /// <summary>400: a field is missing, of the wrong type or outside its rules.</summary>
    public static TaskProblemException Invalid(string field, string message) => new(StatusCodes.Status400BadRequest, message, [field]);

    /// <summary>400 naming several fields (e.g. "exactly one of text or transcriptionTaskId").</summary>
    public static TaskProblemException Invalid(IReadOnlyList<string> fields, string message) => new(StatusCodes.Status400BadRequest, message, fields);

    /// <summary>413: the field (or the body) is over its size limit.</summary>
    public static TaskProblemException TooLarge(string field, string message) => new(StatusCodes.Status413PayloadTooLarge, message, [field]);

    /// <summary>415: the request's content type is not one the endpoint reads.</summary>
    public static TaskProblemException Unsupported(string message) => new(StatusCodes.Status415UnsupportedMediaType, message, ["Content-Type"]);

    /// <summary>409: the field names a task whose status does not allow the request.</summary>
    public static TaskProblemException Conflict(string field, string message) => new(StatusCodes.Status409Conflict, message, [field]);

    /// <summary>507: the server could not store an upload (disk full, spool not writable). Not the client's fault; logged.</summary>
    public static TaskProblemException CannotStore(string field, string message) => new(StatusCodes.Status507InsufficientStorage, message, [field]);
}
