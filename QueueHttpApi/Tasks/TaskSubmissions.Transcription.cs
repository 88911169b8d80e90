using QueueService.Stores;
using QueueService.Tasks;
using QueueWorker.Handlers.Transcription;

namespace QueueHttpApi.Tasks;

// POST /tasks/transcription: an upload into the spool, or a path inside the input root.
public sealed partial class TaskSubmissions
{
    /// <summary>
    /// <c>POST /tasks/transcription</c>: <c>multipart/form-data</c> with an <c>audio</c> WAV file (streamed into
    /// <c>{spool}/{taskId}/audio.wav</c>), or JSON with an <c>audioPath</c> inside the input root; either
    /// with optional <c>priority</c>, <c>maxRetries</c>, <c>language</c>, <c>then</c>.
    /// </summary>
    /// <returns>202 with the task; 400/413/415/507 naming the field; store refusals as mapped. A refused
    /// upload leaves nothing in the spool.</returns>
    public async Task<IResult> SubmitTranscriptionAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            if (TranscriptionUpload.IsMultipart(request)) return await SubmitUploadAsync(request, cancellationToken);
            if (!RequestBody.IsJson(request))
                throw TaskProblemException.Unsupported(
                    $"Send multipart/form-data with an 'audio' file, or application/json with an 'audioPath'; got '{request.ContentType ?? "no content type"}'.");

            using var body = await RequestBody.ReadJsonObjectAsync(request, _options.Value.MaxJsonBytes, cancellationToken);
            var fields = JsonFields.Of(body.RootElement, TranscriptionFields);
            var audioPath = fields.String("audioPath");
            var priority = TaskFieldRules.Priority(fields.Int("priority"));
            var maxRetries = TaskFieldRules.MaxRetries(fields.Int("maxRetries"));
            var language = TaskFieldRules.Language(fields.String("language"));
            var then = TaskFieldRules.Then(fields.String("then"));
            var resolved = InputRootPath.Resolve(_options.Value.InputRoot, audioPath);
            var task = TranscriptionTask(TaskLimits.NewTaskId(_time), new TranscriptionRequest(resolved, priority, maxRetries, language, then));
            return Accepted(await _store.EnqueueAsync(task, cancellationToken), task);
        }
        catch (TaskProblemException ex)
        {
            return TaskProblems.From(ex);
        }
    }

    private async Task<IResult> SubmitUploadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var id = TaskLimits.NewTaskId(_time);
        var folder = _spool.FolderOf(id) ?? throw new InvalidOperationException($"The task id {id} cannot name a spool folder.");
        var keepFolder = false;
        try
        {
            var submission = await TranscriptionUpload.ReadAsync(request, folder, _options.Value.MaxUploadBytes, cancellationToken);
            var task = TranscriptionTask(id, submission);
            EnqueueResult result;
            try
            {
                // Not the request's token: once sent, an enqueue may apply even if the client goes away,
                // and its file must then stay.
                result = await _store.EnqueueAsync(task, CancellationToken.None);
            }
            catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
            {
                var landed = await FindAfterLostEnqueueAsync(id);
                keepFolder = landed is not { Found: false };
                if (landed is { Task: { } existing }) return TypedResults.Accepted(TaskEndpoints.LocationOf(id), SubmittedTaskView.From(existing));
                throw;
            }
            keepFolder = true;
            if (!result.Created) throw new InvalidOperationException($"A task with the new id {id} already existed; its files were kept.");
            return Accepted(result, task);
        }
        catch (TaskProblemException ex) when (ex.StatusCode == StatusCodes.Status507InsufficientStorage)
        {
            _logger.LogError("Could not spool the upload of task {TaskId} in {Folder}: {Problem}", id, folder, ex.Message);
            throw;
        }
        finally
        {
            // Nothing is left behind by a refused, failed or abandoned upload.
            if (!keepFolder) _spool.Delete(id);
        }
    }

    /// <summary>
    /// After an enqueue that failed as unavailable (it may still have applied before the store went away):
    /// the task if it is there; not found when the store answers that it is not; null when the store still
    /// cannot answer, in which case the folder is kept for the retention sweep, which deletes it only
    /// once the store answers that no such task exists.
    /// </summary>
    private async Task<(bool Found, QueueTask? Task)?> FindAfterLostEnqueueAsync(string id)
    {
        try
        {
            var task = await _store.GetAsync(id, CancellationToken.None);
            return (task is not null, task);
        }
        catch (QueueStoreException ex)
        {
            _logger.LogWarning(ex, "Enqueue of uploaded task {TaskId} failed and the store cannot say whether it applied; its files stay for the retention sweep", id);
            return null;
        }
    }

    private static NewTask TranscriptionTask(string id, TranscriptionRequest submission) =>
        new(TranscriptionHandler.QueueName, WritePayload(writer =>
        {
            writer.WriteString("audioPath", submission.AudioPath);
            if (submission.Language is not null) writer.WriteString("language", submission.Language);
            if (submission.Then is not null) writer.WriteString("then", submission.Then);
        }).Json)
        {
            Id = id, Priority = submission.Priority, MaxRetries = submission.MaxRetries,
        };
}
