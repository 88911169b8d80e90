namespace QueueClient.Internal;

/// <summary>
/// Reads each response's body before handing the response back up the handler chain. Placed inside the resilience
/// pipeline, it puts the body under the attempt's timeout and cancellation; the API's answers are small JSON.
/// </summary>
internal sealed class ResponseBufferingHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
