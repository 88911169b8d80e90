using System.CommandLine;
using QueueClient;

namespace QueueCtl.Cli;

/// <summary>
/// The options every command inherits (recursive): <c>--url</c> (env <c>QUEUE_SERVICE_URL</c>, default
/// <c>http://localhost:8002</c>) and <c>--api-key</c> (env <c>QUEUE_ADMIN_API_KEY</c>). One instance per command tree.
/// </summary>
public sealed class GlobalOptions
{
    /// <summary>Options read from <paramref name="environment"/> when not given on the command line.</summary>
    public GlobalOptions(CliEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        Environment = environment;
        Url.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && !ServiceConnection.TryParseBaseAddress(result.Tokens[0].Value, out _, out var error))
                result.AddError($"--url: {error}.");
        });
    }

    /// <summary>The environment the variables are read from.</summary>
    public CliEnvironment Environment { get; }

    /// <summary><c>--url</c>: the queue service's base address.</summary>
    public Option<string?> Url { get; } = new("--url")
    {
        Description = $"The queue service's base address (env {QueueClientOptions.ServiceUrlVariable}; default {QueueClientOptions.DefaultBaseAddress.ToString().TrimEnd('/')}).",
        Recursive = true,
        HelpName = "url",
    };

    /// <summary><c>--api-key</c>: the admin key.</summary>
    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = $"The admin key sent as X-Api-Key, needed by clear, cleanup and backup (env {QueueClientOptions.ApiKeyVariable}).",
        Recursive = true,
        HelpName = "key",
    };

    /// <summary>Adds both options to <paramref name="root"/>.</summary>
    public void AddTo(Command root)
    {
        ArgumentNullException.ThrowIfNull(root);
        root.Options.Add(Url);
        root.Options.Add(ApiKey);
    }

    /// <summary>
    /// The connection the command line asks for: <c>--url</c>, else <c>QUEUE_SERVICE_URL</c>, else the default; the key from
    /// <c>--api-key</c>, else <c>QUEUE_ADMIN_API_KEY</c>. Returns false with <paramref name="error"/> when the variable holds no usable URL
    /// (a bad <c>--url</c> is already a parse error).
    /// </summary>
    public bool TryResolve(ParseResult parsed, out ServiceConnection connection, out string error)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var apiKey = NullIfEmpty(parsed.GetValue(ApiKey)) ?? NullIfEmpty(Environment.GetVariable(QueueClientOptions.ApiKeyVariable));
        connection = new ServiceConnection(QueueClientOptions.DefaultBaseAddress, apiKey);
        var (text, source) = parsed.GetValue(Url) is { } url
            ? (url, "--url")
            : (NullIfEmpty(Environment.GetVariable(QueueClientOptions.ServiceUrlVariable)), QueueClientOptions.ServiceUrlVariable);
        if (text is null)
        {
            error = "";
            return true;
        }
        if (!ServiceConnection.TryParseBaseAddress(text, out var baseAddress, out var why))
        {
            error = $"{source}: {why}.";
            return false;
        }
        connection = connection with { BaseAddress = baseAddress };
        error = "";
        return true;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
