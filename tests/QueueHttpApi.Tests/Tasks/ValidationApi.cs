using QueueHttpApi.Tests.Support;

namespace QueueHttpApi.Tests.Tasks;

/// <summary>
/// One embedded API shared by a class of bad-input tests (xunit runs a class's tests one at a time, so
/// "nothing was stored" can be checked as a count before and after). The upload limit is lowered to
/// <see cref="MaxUploadBytes"/> so an oversize upload is cheap to send.
/// </summary>
public sealed class ValidationApi : IDisposable
{
    /// <summary>The upload limit of this API.</summary>
    public const int MaxUploadBytes = 256 * 1024;

    /// <summary>Starts the API.</summary>
    public ValidationApi()
    {
        Api = ApiFactory.Embedded(settings: TaskTestSupport.Settings(new Dictionary<string, string?>
        {
            ["Queue:Api:MaxUploadBytes"] = MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }));
        Client = Api.CreateClient();
    }

    /// <summary>The API.</summary>
    public ApiFactory Api { get; }

    /// <summary>A client of it.</summary>
    public HttpClient Client { get; }

    /// <summary>How many tasks the store holds.</summary>
    public Task<long> TotalAsync() => TaskEndpointsTests.CountAsync(Api.Store);

    /// <inheritdoc/>
    public void Dispose()
    {
        Client.Dispose();
        Api.Dispose();
    }
}
