using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QueueService.Hosting;
using QueueService.Workers;

namespace QueueBench.Peers;

/// <summary>
/// A worker process's Generic Host with the production worker runtime (<see cref="QueueWorkerService"/> through
/// <c>AddRedisQueue</c> and <c>AddQueueWorker</c>, as <c>QueueWorker</c> builds it) and the bench's own handler, so
/// a drain pays for leases, heartbeats and recorded completions exactly as production does. Logs warnings only,
/// as the peers' benches switch per-job logging off.
/// </summary>
internal static class BenchWorkerHost
{
    public static IHost Build(string redisConfiguration, string @namespace, string workerId, int concurrency, ITaskHandler handler,
        IReadOnlyDictionary<string, string?>? extra = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = AppContext.BaseDirectory,
        });
        var settings = new Dictionary<string, string?>
        {
            ["Queue:Redis:Configuration"] = redisConfiguration,
            ["Queue:Redis:Namespace"] = @namespace,
            ["Queue:Worker:WorkerId"] = workerId,
            ["Queue:Worker:Concurrency"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Queue:Worker:Queues:0"] = handler.Queue,
            ["Queue:SpoolDirectory"] = Path.Combine(Path.GetTempPath(), $"queuebench-spool-{Environment.ProcessId}"),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>()) settings[key] = value;
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.AddRedisQueue(builder.Configuration);
        builder.Services.AddQueueWorker(builder.Configuration);
        builder.Services.AddSingleton(handler);
        return builder.Build();
    }
}
