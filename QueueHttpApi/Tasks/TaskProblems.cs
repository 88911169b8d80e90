using QueueHttpApi.Hosting;

namespace QueueHttpApi.Tasks;

/// <summary>
/// Writes a <see cref="TaskProblemException"/> as RFC 7807 problem details in the validation-problem
/// shape, whatever the status, so every refusal of the task endpoints names its field in <c>errors</c>.
/// </summary>
internal static class TaskProblems
{
    /// <summary>The problem for a refusal.</summary>
    public static IResult From(TaskProblemException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        if (ex.StatusCode == StatusCodes.Status400BadRequest && ex.Fields.Count == 1)
            return ApiProblems.Invalid(ex.Fields[0], ex.Message);
        var errors = ex.Fields.Distinct(StringComparer.Ordinal).ToDictionary(field => field, _ => new[] { ex.Message }, StringComparer.Ordinal);
        return Results.ValidationProblem(errors, detail: ex.Message, statusCode: ex.StatusCode, title: TitleOf(ex.StatusCode));
    }

    private static string TitleOf(int status) => status switch
    {
        StatusCodes.Status409Conflict => "Not allowed in the named task's current status",
        StatusCodes.Status413PayloadTooLarge => "The request is too large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported content type",
        StatusCodes.Status507InsufficientStorage => "The server could not store the upload",
        _ => "The request is invalid",
    };
}
