using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QueueService.Stores;
using QueueService.Tasks;
using QueueService.Workers;
using QueueWorker.Handlers.RiskDetection;
using QueueWorker.Handlers.Transcription.Audio;
using QueueWorker.Handlers.Transcription.Engines;

namespace QueueWorker.Handlers.Transcription;

/// <summary>
/// Serves the <c>transcription</c> queue: validates the payload, prepares the audio (sox only when it is not
/// already 16 kHz mono 16-bit PCM), cuts it into chunks at quiet points, has the configured engine
/// transcribe them one by one with progress after each, and, when asked, enqueues a risk-detection task on
/// the transcript. Each attempt works in its own temp folder, deleted when it ends; the input file is never
/// touched (the spool's owner deletes it).
/// </summary>
public sealed class TranscriptionHandler : TaskHandler<TranscriptionPayload, TranscriptionResult>
{
    /// <summary>The queue this handler serves.</summary>
    public const string QueueName = "transcription";

    /// <summary>What a follow-up task's id is: the transcription's id and this suffix.</summary>
    public const string FollowUpIdSuffix = "-risk";

    private readonly ITranscriptionEngine _engine;
    private readonly AudioPreparer _audio;
    private readonly TranscriptionOptions _options;
    private readonly IQueueStore _store;
    private readonly ILogger<TranscriptionHandler> _logger;

    /// <summary>Creates the handler.</summary>
    public TranscriptionHandler(ITranscriptionEngine engine, AudioPreparer audio, IOptions<TranscriptionOptions> options,
        IQueueStore store, ILogger<TranscriptionHandler> logger)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(logger);
        _engine = engine;
        _audio = audio;
        _options = options.Value;
        _store = store;
        _logger = logger;
    }

    /// <inheritdoc/>
    public override string Queue => QueueName;

    /// <summary>The id of the risk-detection task chained to transcription <paramref name="taskId"/>: derived, so every attempt names the same one.</summary>
    public static string FollowUpId(string taskId)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        var id = taskId + FollowUpIdSuffix;
        if (id.Length <= TaskLimits.MaxIdLength) return id;
        // Too long to extend: keep a prefix and make it unique again with a hash of the whole id.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(taskId)))[..16];
        return $"{taskId[..(TaskLimits.MaxIdLength - FollowUpIdSuffix.Length - hash.Length - 1)]}-{hash}{FollowUpIdSuffix}";
    }

    /// <inheritdoc/>
    protected override async Task<TranscriptionResult> HandleAsync(TranscriptionPayload payload, TaskContext context)
    {
        var (audioPath, language, then) = Validate(payload);
        var readiness = _engine.CheckReadiness();
        if (!readiness.IsUsable) throw new PermanentTaskException(readiness.Problem!);

        var workRoot = string.IsNullOrWhiteSpace(_options.WorkDirectory) ? Path.GetTempPath() : _options.WorkDirectory;
        var workDirectory = Directory.CreateDirectory(Path.Combine(workRoot, $"rq-transcription-{Guid.NewGuid():N}")).FullName;
        try
        {
            var audio = await _audio.PrepareAsync(audioPath, workDirectory, context.CancellationToken).ConfigureAwait(false);
            var text = await TranscribeAsync(audio, language, workDirectory, context).ConfigureAwait(false);
            var followUpId = then is null ? null : await EnqueueFollowUpAsync(context, text).ConfigureAwait(false);
            _logger.LogInformation("Transcribed {TaskId}: {Seconds:0.0} s of audio with {Engine}; follow-up task {FollowUpTaskId}",
                context.TaskId, audio.DurationSeconds, _engine.Name, followUpId ?? "none");
            return new TranscriptionResult(text, Math.Round(audio.DurationSeconds, 3), _engine.Name, followUpId);
        }
        finally
        {
            DeleteWorkDirectory(workDirectory, context.TaskId);
        }
    }

    private (string AudioPath, string Language, string? Then) Validate(TranscriptionPayload payload)
    {
        var path = payload.AudioPath;
        if (string.IsNullOrWhiteSpace(path)) throw new PermanentTaskException("\"audioPath\" is required.");
        if (!Path.IsPathFullyQualified(path)) throw new PermanentTaskException($"\"audioPath\" must be an absolute path; got '{path}'.");
        if (Directory.Exists(path)) throw new PermanentTaskException($"\"audioPath\" '{path}' is a directory, not an audio file.");
        if (!File.Exists(path)) throw new PermanentTaskException($"\"audioPath\" '{path}' does not exist.");
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new PermanentTaskException($"\"audioPath\" '{path}' is not readable by the worker: {ex.Message}", ex);
        }

        if (payload.Then is not null && !string.Equals(payload.Then, RiskDetectionHandler.QueueName, StringComparison.Ordinal))
            throw new PermanentTaskException($"\"then\" '{payload.Then}' is not supported: use \"{RiskDetectionHandler.QueueName}\" or leave it out.");

        var language = payload.Language ?? _options.DefaultLanguage;
        if (!LanguageCode.IsWellFormed(language))
            throw new PermanentTaskException($"\"language\" '{language}' is not a language code such as en-us.");
        if (_engine.Languages.Count > 0 && !_engine.Languages.Contains(language, StringComparer.OrdinalIgnoreCase))
            throw new PermanentTaskException(
                $"\"language\" '{language}' is not supported by the {_engine.Name} engine (supported: {string.Join(", ", _engine.Languages)}).");
        return (path, language, payload.Then);
    }

    private async Task<string> TranscribeAsync(PreparedAudio audio, string language, string workDirectory, TaskContext context)
    {
        var chunks = AudioChunker.Plan(audio, _options.ChunkSeconds);
        var total = audio.DurationSeconds;
        var texts = new List<string>(chunks.Count);
        foreach (var chunk in chunks)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var chunkPath = Path.Combine(workDirectory, $"chunk-{chunk.Index:D5}.wav");
            await AudioChunker.WriteAsync(audio, chunk, chunkPath, context.CancellationToken).ConfigureAwait(false);
            var text = await _engine.TranscribeAsync(chunkPath, language, context.CancellationToken).ConfigureAwait(false);
            File.Delete(chunkPath); // an hour of audio should not sit on disk twice
            if (text.Length > 0) texts.Add(text);

            var done = chunk.EndSeconds;
            var percent = (int)Math.Floor(chunk.EndSample * 100.0 / audio.SampleCount);
            var details = JsonSerializer.Serialize(new
            {
                chunk = chunk.Index + 1,
                chunks = chunks.Count,
                transcribedSeconds = Math.Round(done, 3),
                totalSeconds = Math.Round(total, 3),
            }, JsonOptions);
            await context.ReportProgressAsync(percent,
                string.Create(CultureInfo.InvariantCulture, $"Transcribed {done:0.0} of {total:0.0} s"), details).ConfigureAwait(false);
        }
        return string.Join(' ', texts);
    }

    private async Task<string> EnqueueFollowUpAsync(TaskContext context, string text)
    {
        var id = FollowUpId(context.TaskId);
        // Read, not passed in: TaskContext does not carry the priority. A parent gone from the store
        // (a test running the handler directly) falls back to the default priority.
        var parent = await _store.GetAsync(context.TaskId, context.CancellationToken).ConfigureAwait(false);
        var task = new NewTask(RiskDetectionHandler.QueueName, JsonSerializer.Serialize(new { text }, JsonOptions))
        {
            Id = id,
            Priority = parent?.Priority ?? Priority.Default,
        };
        EnqueueResult enqueued;
        try
        {
            // The id is derived from ours, so an enqueue from an earlier attempt (or one that applied just
            // as the token fired) makes this a no-op: a retried transcription never chains twice.
            enqueued = await _store.EnqueueAsync(task, context.CancellationToken).ConfigureAwait(false);
        }
        catch (QueueStoreException ex) when (ex.Error == StoreError.Invalid)
        {
            throw new PermanentTaskException($"The follow-up risk-detection task {id} was refused: {ex.Message}", ex);
        }
        if (!enqueued.Created)
            _logger.LogInformation("Follow-up {FollowUpTaskId} of {TaskId} already existed (an earlier attempt enqueued it); kept as is", id, context.TaskId);
        return id;
    }

    private void DeleteWorkDirectory(string workDirectory, string taskId)
    {
        try
        {
            Directory.Delete(workDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "Could not delete the transcription work folder {WorkDirectory} of {TaskId}", workDirectory, taskId);
        }
    }
}
