using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace QueueService.Hosting;

/// <summary>
/// The one place that reads the seed's environment variables and maps them to configuration keys:
/// <c>REDIS_URL</c> → <c>Queue:Redis:Configuration</c>, <c>MAX_PROCESSING_TIME</c> (seconds) →
/// <c>Queue:Worker:MaxProcessingTime</c> and <c>Queue:Store:MaxProcessingTime</c> (the lease ceiling), <c>BACKUP_INTERVAL</c> (seconds) → <c>Queue:Snapshots:BackupInterval</c>,
/// <c>QUEUE_SERVICE_URL</c> → <c>Queue:Client:BaseAddress</c>, <c>SPOOL_DIR</c> → <c>Queue:SpoolDirectory</c>,
/// <c>BACKUP_DIR</c> → <c>Queue:Snapshots:Directory</c>, <c>QUEUE_ADMIN_API_KEY</c> → <c>Queue:Api:AdminApiKey</c>,
/// <c>QUEUE_EMBEDDED_WORKERS</c> → <c>Queue:EmbeddedWorkers</c>, <c>QUEUE_INPUT_ROOT</c> → <c>Queue:Api:InputRoot</c>;
/// and <c>PATH</c>, to find executables. No other code reads the environment.
/// </summary>
public static class QueueEnvironment
{
    /// <summary>The Redis address: <c>host:port[,options]</c> or <c>redis[s]://[[user]:password@]host[:port][/db]</c>.</summary>
    public const string RedisUrl = "REDIS_URL";
    /// <summary>The longest one attempt may run, in seconds.</summary>
    public const string MaxProcessingTime = "MAX_PROCESSING_TIME";
    /// <summary>The period of the backup snapshot, in seconds.</summary>
    public const string BackupInterval = "BACKUP_INTERVAL";
    /// <summary>The HTTP API's base address, for clients.</summary>
    public const string QueueServiceUrl = "QUEUE_SERVICE_URL";
    /// <summary>The folder of tasks' input files, shared by the API and the workers.</summary>
    public const string SpoolDir = "SPOOL_DIR";
    /// <summary>The folder of backup snapshots.</summary>
    public const string BackupDir = "BACKUP_DIR";
    /// <summary>The key the HTTP API's admin endpoints require in <c>X-Api-Key</c>.</summary>
    public const string AdminApiKey = "QUEUE_ADMIN_API_KEY";
    /// <summary>How many tasks the HTTP API's embedded workers run at once (0: none).</summary>
    public const string EmbeddedWorkers = "QUEUE_EMBEDDED_WORKERS";
    /// <summary>The folder inside which <c>audioPath</c> submissions must lie.</summary>
    public const string InputRoot = "QUEUE_INPUT_ROOT";

    private const int DefaultRedisPort = 6379;

    /// <summary>
    /// Adds the mapped variables as an in-memory source. Call it after the JSON files so the environment
    /// wins, as environment variables usually do.
    /// </summary>
    /// <exception cref="InvalidOperationException">A variable is set to a value it cannot take (the message names it).</exception>
    public static IConfigurationBuilder AddQueueEnvironment(this IConfigurationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddInMemoryCollection(Map(Environment.GetEnvironmentVariable));
    }

    /// <summary>The full path of an executable on <c>PATH</c> (then <c>/usr/bin</c>, <c>/usr/sbin</c>), or null.</summary>
    public static string? FindExecutable(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin").Append("/usr/sbin"))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Maps the variables that <paramref name="getVariable"/> returns to configuration keys; unset or blank ones are left out.</summary>
    /// <exception cref="InvalidOperationException">A variable is set to a value it cannot take (the message names it).</exception>
    public static IReadOnlyDictionary<string, string?> Map(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        var map = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (Read(getVariable, RedisUrl) is { } redis)
            map["Queue:Redis:Configuration"] = ToRedisConfiguration(redis);
        if (Read(getVariable, MaxProcessingTime) is { } maxProcessing)
        {
            // The worker's own timer and the store's lease ceiling (so a hung worker's task is reclaimed) agree.
            map["Queue:Worker:MaxProcessingTime"] = SecondsToTimeSpan(MaxProcessingTime, maxProcessing);
            map["Queue:Store:MaxProcessingTime"] = map["Queue:Worker:MaxProcessingTime"];
        }
        if (Read(getVariable, BackupInterval) is { } backup)
            map["Queue:Snapshots:BackupInterval"] = SecondsToTimeSpan(BackupInterval, backup);
        if (Read(getVariable, QueueServiceUrl) is { } serviceUrl)
            map["Queue:Client:BaseAddress"] = serviceUrl;
        if (Read(getVariable, SpoolDir) is { } spool)
            map["Queue:SpoolDirectory"] = spool;
        if (Read(getVariable, BackupDir) is { } backupDir)
            map["Queue:Snapshots:Directory"] = backupDir;
        if (Read(getVariable, AdminApiKey) is { } adminKey)
            map["Queue:Api:AdminApiKey"] = adminKey;
        if (Read(getVariable, EmbeddedWorkers) is { } embedded)
            map["Queue:EmbeddedWorkers"] = embedded;
        if (Read(getVariable, InputRoot) is { } inputRoot)
            map["Queue:Api:InputRoot"] = inputRoot;
        return map;
    }

    /// <summary>
    /// Turns a Redis address into StackExchange.Redis configuration syntax. <c>host:port[,options]</c>
    /// passes through unchanged; <c>redis://[[user]:password@]host[:port][/db]</c> becomes
    /// <c>host:port[,user=…][,password=…][,defaultDatabase=db]</c>, and <c>rediss://</c> adds <c>ssl=true</c>.
    /// The port defaults to 6379. A password may not contain <c>,</c> (the configuration syntax has no escape for it).
    /// </summary>
    /// <exception cref="InvalidOperationException">A URI that cannot be read (the message names <c>REDIS_URL</c>).</exception>
    public static string ToRedisConfiguration(string redisUrl)
    {
        ArgumentNullException.ThrowIfNull(redisUrl);
        var text = redisUrl.Trim();
        var isTls = text.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase);
        if (!isTls && !text.StartsWith("redis://", StringComparison.OrdinalIgnoreCase))
            return text;

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new InvalidOperationException($"{RedisUrl} '{Redact(text)}' is not a valid redis:// URI: expected redis://[:password@]host:port[/db].");
        var parts = new List<string> { $"{uri.Host}:{(uri.Port > 0 ? uri.Port : DefaultRedisPort)}" };
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            var password = colon < 0 ? "" : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            if (password.Contains(',', StringComparison.Ordinal))
                throw new InvalidOperationException($"{RedisUrl}: the password contains ',', which StackExchange.Redis configuration cannot carry; use host:port,password=… with a different password.");
            if (user.Length > 0) parts.Add($"user={user}");
            if (password.Length > 0) parts.Add($"password={password}");
        }
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            if (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out var database))
                throw new InvalidOperationException($"{RedisUrl} '{Redact(text)}': the path must be a database number, got '/{path}'.");
            parts.Add($"defaultDatabase={database}");
        }
        if (isTls) parts.Add("ssl=true");
        return string.Join(',', parts);
    }

    private static string? Read(Func<string, string?> getVariable, string name) =>
        getVariable(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static string SecondsToTimeSpan(string variable, string value)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0 || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
            throw new InvalidOperationException($"{variable} must be a non-negative number of seconds; got '{value}'.");
        return TimeSpan.FromSeconds(seconds).ToString("c", CultureInfo.InvariantCulture);
    }

    private static string Redact(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.UserInfo.Length > 0 ? uri.Replace(parsed.UserInfo, "***", StringComparison.Ordinal) : uri;
}
