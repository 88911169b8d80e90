using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using QueueWorker.Handlers.Transcription.Audio;

namespace QueueHttpApi.Tasks;

/// <summary>What a transcription submission asks for, from either form of the request.</summary>
/// <param name="AudioPath">The full path of the WAV file the worker reads.</param>
/// <param name="Priority">0–100.</param>
/// <param name="MaxRetries">0–100.</param>
/// <param name="Language">The spoken language, or null for the worker's default.</param>
/// <param name="Then">Null, or <c>risk-detection</c>.</param>
internal sealed record TranscriptionRequest(string AudioPath, int Priority, int MaxRetries, string? Language, string? Then);

/// <summary>
/// Reads a <c>multipart/form-data</c> transcription submission as it arrives: the <c>audio</c> part is
/// streamed into the task's spool folder (never buffered whole in memory or in a temp file) and counted
/// against the upload limit; the small text fields are checked as soon as each is read, so a bad
/// <c>priority</c> sent before the file is refused before the file is read.
/// </summary>
internal static class TranscriptionUpload
{
    /// <summary>The name the upload gets in the task's spool folder, whatever the client called it.</summary>
    public const string AudioFileName = "audio.wav";

    /// <summary>What the form may carry beyond the audio, above the audio's own limit (boundaries, part headers, fields).</summary>
    public const long FormOverheadBytes = 64 * 1024;

    private const string AudioField = "audio";
    private const int MaxFieldBytes = 1024;
    private const int CopyBufferBytes = 81920;
    private static readonly string[] TextFields = ["priority", "maxRetries", "language", "then"];
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>True when the request says it is <c>multipart/form-data</c>.</summary>
    public static bool IsMultipart(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
        && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads the form, writing the audio to <paramref name="folder"/>/<see cref="AudioFileName"/>.</summary>
    /// <exception cref="TaskProblemException">400 naming the field (a missing, empty or non-WAV <c>audio</c>, an
    /// unknown or repeated field, a bad value, a malformed body), 413 naming <c>audio</c> over
    /// <paramref name="maxAudioBytes"/>, 507 when the spool cannot be written. The caller deletes the folder.</exception>
    public static async Task<TranscriptionRequest> ReadAsync(HttpRequest request, string folder, long maxAudioBytes, CancellationToken cancellationToken)
    {
        RequestBody.Limit(request, maxAudioBytes + FormOverheadBytes, AudioField);
        var reader = new MultipartReader(Boundary(request), request.Body);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        string? audioPath = null;
        // No count of parts is needed: past the five known names, a part is unknown or repeated, and refused.
        while (await RequestBody.FromClientAsync(() => reader.ReadNextSectionAsync(cancellationToken), AudioField) is { } section)
        {
            var name = NameOf(section);
            if (name == AudioField)
            {
                if (audioPath is not null) throw TaskProblemException.Invalid(AudioField, "The form has more than one 'audio' part; send one file per task.");
                audioPath = Path.Join(folder, AudioFileName);
                await SaveAsync(section.Body, folder, audioPath, maxAudioBytes, cancellationToken);
                continue;
            }
            if (!TextFields.Contains(name, StringComparer.Ordinal))
                throw TaskProblemException.Invalid(name, $"Unknown form field '{TaskFieldRules.Shorten(name)}'. Allowed fields: audio (the WAV file), {string.Join(", ", TextFields)}.");
            if (fields.ContainsKey(name)) throw TaskProblemException.Invalid(name, $"The form field '{name}' is given more than once.");
            fields[name] = await ReadFieldAsync(section.Body, name, cancellationToken);
            Check(name, fields[name]); // now, not after a 100 MiB file that follows
        }

        if (audioPath is null)
            throw TaskProblemException.Invalid(AudioField, "The form has no 'audio' part: attach the WAV file as 'audio' (curl -F audio=@meeting.wav).");
        if (WavHeader.TryRead(audioPath) is null)
            throw TaskProblemException.Invalid(AudioField, "The 'audio' file is not a WAV file (no RIFF/WAVE header with fmt and data chunks).");
        return new TranscriptionRequest(audioPath,
            TaskFieldRules.Priority(fields.TryGetValue("priority", out var p) ? TaskFieldRules.ParseInt("priority", p) : null),
            TaskFieldRules.MaxRetries(fields.TryGetValue("maxRetries", out var r) ? TaskFieldRules.ParseInt("maxRetries", r) : null),
            fields.GetValueOrDefault("language"), fields.GetValueOrDefault("then"));
    }

    private static void Check(string name, string value)
    {
        _ = name switch
        {
            "priority" => TaskFieldRules.Priority(TaskFieldRules.ParseInt(name, value)),
            "maxRetries" => TaskFieldRules.MaxRetries(TaskFieldRules.ParseInt(name, value)),
            "language" => TaskFieldRules.Language(value)?.Length ?? 0,
            _ => TaskFieldRules.Then(value)?.Length ?? 0,
        };
    }

    private static string Boundary(HttpRequest request)
    {
        var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value;
        if (string.IsNullOrWhiteSpace(boundary) || boundary.Length > 70)
            throw TaskProblemException.Invalid("Content-Type", "multipart/form-data needs a boundary parameter of 1-70 characters.");
        return boundary;
    }

    private static string NameOf(MultipartSection section)
    {
        if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
            || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(disposition.Name).Value is not { Length: > 0 } name)
        {
            throw TaskProblemException.Invalid("body", "Every part of the form needs 'Content-Disposition: form-data; name=\"…\"'.");
        }
        return name;
    }

    private static async Task<string> ReadFieldAsync(Stream body, string name, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxFieldBytes + 1];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await RequestBody.FromClientAsync(async () => await body.ReadAsync(buffer.AsMemory(length), cancellationToken), AudioField);
            if (read == 0) break;
            length += read;
        }
        if (length > MaxFieldBytes) throw TaskProblemException.Invalid(name, $"The form field '{name}' is longer than {MaxFieldBytes} bytes.");
        try
        {
            return StrictUtf8.GetString(buffer, 0, length);
        }
        catch (DecoderFallbackException)
        {
            throw TaskProblemException.Invalid(name, $"The form field '{name}' is not UTF-8 text.");
        }
    }

    private static async Task SaveAsync(Stream body, string folder, string path, long maxBytes, CancellationToken cancellationToken)
    {
        FileStream file;
        try
        {
            Directory.CreateDirectory(folder);
            file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw TaskProblemException.CannotStore(AudioField, $"The upload could not be stored in the spool: {ex.Message}");
        }
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferBytes);
        try
        {
            await using (file)
            {
                long total = 0;
                while (true)
                {
                    var read = await RequestBody.FromClientAsync(async () => await body.ReadAsync(buffer.AsMemory(0, CopyBufferBytes), cancellationToken), AudioField);
                    if (read == 0) break;
                    total += read;
                    if (total > maxBytes)
                        throw TaskProblemException.TooLarge(AudioField, $"The audio is over the {maxBytes}-byte upload limit (Queue:Api:MaxUploadBytes).");
                    await WriteAsync(file, buffer.AsMemory(0, read), cancellationToken);
                }
                if (total == 0) throw TaskProblemException.Invalid(AudioField, "The 'audio' file is empty.");
                await WriteAsync(file, ReadOnlyMemory<byte>.Empty, cancellationToken, flush: true);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task WriteAsync(FileStream file, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken, bool flush = false)
    {
        try
        {
            if (flush) await file.FlushAsync(cancellationToken);
            else await file.WriteAsync(bytes, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw TaskProblemException.CannotStore(AudioField, $"The upload could not be stored in the spool: {ex.Message}");
        }
    }
}
