namespace QueueCtl;

/// <summary>The <c>queuectl</c> entry point (a named class, so test projects that also see the API's <c>Program</c> stay unambiguous).</summary>
internal static class Program
{
    private static Task<int> Main(string[] args) => QueueCtlApp.RunAsync(args, CliEnvironment.System);
}
