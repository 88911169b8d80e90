using System.ComponentModel.DataAnnotations;

namespace QueueHttpApi.Hosting;

/// <summary>The HTTP API's own settings (<c>Queue:Api</c>), validated at start.</summary>
public sealed class ApiOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Queue:Api";

    /// <summary>The URL the API listens on when neither <c>--urls</c> nor <c>ASPNETCORE_URLS</c> says otherwise.</summary>
    public const string DefaultUrl = "http://localhost:8002";

    /// <summary>
    /// The key the admin endpoints require in <c>X-Api-Key</c> (env <c>QUEUE_ADMIN_API_KEY</c>). With none,
    /// admin endpoints answer 403 outside the Development environment.
    /// </summary>
    public string? AdminApiKey { get; set; }

    /// <summary>The largest audio upload, in bytes (default 100 MiB); a larger request gets 413.</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>The largest JSON request body, in bytes (default 2 MiB, above the 1 MiB payload limit); a larger one gets 413.</summary>
    [Range(1, int.MaxValue)]
    public long MaxJsonBytes { get; set; } = 2L * 1024 * 1024;

    /// <summary>
    /// The folder inside which a JSON <c>audioPath</c> submission must lie (env <c>QUEUE_INPUT_ROOT</c>).
    /// Unset: only uploads are accepted, and an <c>audioPath</c> is a 400 that says so.
    /// </summary>
    public string? InputRoot { get; set; }
}
