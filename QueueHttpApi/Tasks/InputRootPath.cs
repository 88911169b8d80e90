using QueueWorker.Handlers.Transcription.Audio;

namespace QueueHttpApi.Tasks;

/// <summary>
/// Resolves a submitted <c>audioPath</c> inside the configured input root. Every symbolic link on the
/// way is followed (as the operating system would: a <c>..</c> after a link climbs from the link's
/// target), and the fully resolved path must lie inside the root, itself resolved the same way. The
/// task gets that resolved path, so the file the worker opens is the file checked here.
/// </summary>
/// <remarks>
/// What cannot be closed here: someone who can write inside the root may swap a checked file for a
/// link after the submission. The root should only be writable by those trusted with the worker's reads.
/// </remarks>
internal static class InputRootPath
{
    private const string Field = "audioPath";
    private const int MaxLinkHops = 40; // Linux's own limit (MAXSYMLINKS)

    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>The resolved full path of an existing, readable WAV file inside <paramref name="inputRoot"/>.</summary>
    /// <param name="inputRoot">The configured root; null or blank when none is.</param>
    /// <param name="audioPath">The submitted path: absolute, or relative to the root.</param>
    /// <exception cref="TaskProblemException">400 naming <c>audioPath</c>: no root configured, an empty path,
    /// a path resolving outside the root, a missing file, a directory, an unreadable file, not a WAV.</exception>
    public static string Resolve(string? inputRoot, string? audioPath)
    {
        if (string.IsNullOrWhiteSpace(inputRoot))
            throw TaskProblemException.Invalid(Field,
                "This server accepts audio as an upload only (multipart/form-data with an 'audio' file): no input root is configured (Queue:Api:InputRoot, env QUEUE_INPUT_ROOT).");
        if (string.IsNullOrWhiteSpace(audioPath))
            throw TaskProblemException.Invalid(Field, "'audioPath' is required: a WAV file inside the input root.");
        if (audioPath.Contains('\0', StringComparison.Ordinal))
            throw TaskProblemException.Invalid(Field, "'audioPath' must not contain a NUL character.");

        string root, path;
        try
        {
            root = RealPath(Path.GetFullPath(inputRoot));
            path = RealPath(Path.IsPathRooted(audioPath) ? audioPath : Path.Join(root, audioPath));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw TaskProblemException.Invalid(Field, $"'audioPath' '{TaskFieldRules.Shorten(audioPath)}' cannot be resolved: {ex.Message}");
        }

        if (!IsInside(path, root))
            throw TaskProblemException.Invalid(Field, $"'audioPath' '{TaskFieldRules.Shorten(audioPath)}' is outside the input root; name a file inside it.");
        if (Directory.Exists(path))
            throw TaskProblemException.Invalid(Field, $"'audioPath' '{TaskFieldRules.Shorten(audioPath)}' is a directory, not a WAV file.");
        if (!File.Exists(path))
            throw TaskProblemException.Invalid(Field, $"'audioPath' '{TaskFieldRules.Shorten(audioPath)}' does not exist in the input root.");
        WavHeader? header;
        try
        {
            header = WavHeader.TryRead(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw TaskProblemException.Invalid(Field, $"'audioPath' '{TaskFieldRules.Shorten(audioPath)}' cannot be read: {ex.Message}");
        }
        return header is not null
            ? path
            : throw TaskProblemException.Invalid(Field, $"'audioPath' '{TaskFieldRules.Shorten(audioPath)}' is not a WAV file (no RIFF/WAVE header with fmt and data chunks).");
    }

    private static bool IsInside(string path, string root)
    {
        var prefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        return path.Length > prefix.Length && path.StartsWith(prefix, PathComparison);
    }

    /// <summary>
    /// <paramref name="path"/> with every link followed and every <c>.</c> and <c>..</c> applied, in the
    /// order the operating system would apply them. Parts that do not exist are kept as written.
    /// </summary>
    /// <exception cref="IOException">More than 40 links on the way (a loop).</exception>
    internal static string RealPath(string path)
    {
        var current = Path.GetPathRoot(path);
        if (string.IsNullOrEmpty(current)) throw new ArgumentException("The path must be absolute.", nameof(path));
        var pending = new LinkedList<string>(Split(path[current.Length..]));
        var hops = 0;
        while (pending.First is { } first)
        {
            var part = first.Value;
            pending.RemoveFirst();
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current; // the root's parent is the root
                continue;
            }
            var next = Path.Join(current, part);
            var target = new FileInfo(next).LinkTarget; // null unless next is a link (to a file or a directory)
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++hops > MaxLinkHops) throw new IOException($"more than {MaxLinkHops} symbolic links on the way (a loop?)");
            if (Path.IsPathRooted(target))
            {
                var targetRoot = Path.GetPathRoot(target)!;
                current = targetRoot;
                target = target[targetRoot.Length..];
            }
            // A relative target is read from the link's own folder, which is where current still is.
            foreach (var targetPart in Split(target).Reverse()) pending.AddFirst(targetPart);
        }
        return current;
    }

    private static string[] Split(string path) =>
        path.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
}
