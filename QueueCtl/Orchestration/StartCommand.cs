using System.CommandLine;
using System.CommandLine.Parsing;

namespace QueueCtl.Orchestration;

/// <summary>
/// <c>queuectl start --workers N [--monitor]</c>: starts Redis (or reuses one), the API and N workers on this
/// machine, supervises them, and stops them in order on Ctrl+C / SIGTERM. See docs/queuectl-start.md.
/// </summary>
public static class StartCommand
{
    /// <summary>The most worker processes one <c>start</c> runs.</summary>
    public const int MaxWorkers = 64;

    /// <summary>The API's default port.</summary>
    public const int DefaultPort = 8002;

    /// <summary>The default data directory, relative to the current directory.</summary>
    public const string DefaultDataDirectory = ".queuectl";

    /// <summary>
    /// The <c>start</c> command, for <see cref="QueueCtlApp"/>'s tree. <paramref name="inheritedApiKey"/> is the tree's
    /// global <c>--api-key</c>: it sets the API's admin key too, when <c>--admin-api-key</c> is not given.
    /// </summary>
    public static Command Create(CliEnvironment environment, Option<string?>? inheritedApiKey = null) =>
        Create(environment, StackTimings.Default, TimeProvider.System, inheritedApiKey);

    /// <summary>The command with other timings (tests shorten restarts and deadlines).</summary>
    internal static Command Create(CliEnvironment environment, StackTimings timings, TimeProvider time, Option<string?>? inheritedApiKey = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var workers = new Option<int>("--workers", "-w")
        {
            Description = $"Worker processes to start, 0 to {MaxWorkers} (0: the API only).",
            HelpName = "N",
            DefaultValueFactory = _ => 1,
        };
        workers.Validators.Add(result => InRange(result, 0, MaxWorkers));
        var monitor = new Option<bool>("--monitor")
        {
            Description = "Show the live watch view; the children's output goes to log files under the data directory.",
        };
        var port = new Option<int>("--port")
        {
            Description = "The API's port on 127.0.0.1.",
            DefaultValueFactory = _ => DefaultPort,
        };
        port.Validators.Add(result => InRange(result, 1, 65535));
        var redisUrl = new Option<string?>("--redis-url")
        {
            Description = "The Redis to reuse if it answers (default: env REDIS_URL, else redis://127.0.0.1:6379). When none answers, redis-server is started.",
            HelpName = "url",
        };
        redisUrl.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && RedisAddress.TryParse(text, out var error) is null)
                result.AddError($"--redis-url '{text}': {error}.");
        });
        var dataDir = new Option<string>("--data-dir")
        {
            Description = "Where Redis data, backups, the spool and logs go (relative to the current directory).",
            HelpName = "dir",
            DefaultValueFactory = _ => DefaultDataDirectory,
        };
        var api = new Option<string?>("--api") { HelpName = "path", Description = "QueueHttpApi.dll to run (default: env QUEUECTL_API_DLL, else the repository's build output)." };
        var worker = new Option<string?>("--worker") { HelpName = "path", Description = "QueueWorker.dll to run (default: env QUEUECTL_WORKER_DLL, else the repository's build output)." };
        var adminKey = new Option<string?>("--admin-api-key") { HelpName = "key", Description = "The API's admin key (default: --api-key, else env QUEUE_ADMIN_API_KEY; none: the API closes its admin endpoints outside Development)." };
        var concurrency = new Option<int?>("--concurrency") { HelpName = "N", Description = "Tasks each worker runs at once, 1 to 64 (default: the worker's, 1)." };
        concurrency.Validators.Add(result => InRange(result, 1, 64));
        var queues = new Option<string?>("--queues") { HelpName = "a,b", Description = "Comma-separated queues each worker serves (default: all it has handlers for)." };
        var prefix = new Option<string>("--worker-prefix")
        {
            Description = "Worker ids are <prefix>-1 … <prefix>-N.",
            DefaultValueFactory = _ => "worker",
        };
        prefix.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
                result.AddError("--worker-prefix must not be empty.");
        });

        var command = new Command("start", "Start Redis (or reuse one), the API and N workers on this machine; Ctrl+C stops them in order.")
        {
            workers, monitor, port, redisUrl, dataDir, api, worker, adminKey, concurrency, queues, prefix,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var redisText = parsed.GetValue(redisUrl) is { Length: > 0 } given ? given : environment.GetVariable("REDIS_URL");
            RedisAddress redis;
            if (string.IsNullOrWhiteSpace(redisText))
            {
                redis = RedisAddress.Default;
            }
            else if (RedisAddress.TryParse(redisText, out var error) is { } address)
            {
                redis = address;
            }
            else
            {
                await environment.Error.WriteLineAsync($"queuectl: REDIS_URL '{redisText}': {error}.");
                return ExitCodes.Usage;
            }
            var settings = new StartSettings(
                parsed.GetValue(workers),
                parsed.GetValue(monitor),
                parsed.GetValue(port),
                redis,
                Path.GetFullPath(parsed.GetValue(dataDir) ?? DefaultDataDirectory),
                parsed.GetValue(api),
                parsed.GetValue(worker),
                parsed.GetValue(adminKey) is { Length: > 0 } key ? key
                    : inheritedApiKey is not null && parsed.GetValue(inheritedApiKey) is { Length: > 0 } inherited ? inherited
                    : environment.GetVariable("QUEUE_ADMIN_API_KEY"),
                parsed.GetValue(concurrency),
                parsed.GetValue(queues),
                parsed.GetValue(prefix) ?? "worker");
            // The signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT) reach this token through QueueCtlApp's StopSignals, which for
            // start also holds every later one, so a second Ctrl+C cannot orphan children being stopped in order.
            using var stack = new LocalStack(settings, environment, timings, time);
            return await stack.RunAsync(cancellationToken);
        });
        return command;
    }

    /// <summary>
    /// A range check on the option's token. A token that is not a number is left to the parser's own error
    /// (reading the value here would throw), and a default (no token) is in range by construction.
    /// </summary>
    private static void InRange(OptionResult result, int min, int max)
    {
        if (result.Tokens is not [var token]
            || !int.TryParse(token.Value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value))
            return;
        if (value < min || value > max)
            result.AddError($"{result.Option.Name} must be from {min} to {max}; got {value}.");
    }
}
