using QueueHttpApi.Hosting;

// The HTTP service: see ApiHost for what it hosts and how it is configured.
// Exit codes: 0 stopped cleanly, 2 configuration error (the message says which setting).
WebApplication app;
try
{
    app = ApiHost.Build(args);
}
catch (InvalidOperationException ex)
{
    await Console.Error.WriteLineAsync($"QueueHttpApi: {ex.Message}");
    return ApiHost.ConfigurationError;
}
return await ApiHost.RunAsync(app);

/// <summary>The entry point; public so tests can start the API in process (<c>WebApplicationFactory&lt;Program&gt;</c>).</summary>
public partial class Program;
