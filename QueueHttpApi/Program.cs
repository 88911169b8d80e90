using QueueService.Hosting;
using QueueService.Stores;

// The HTTP service. This first version hosts the queue (Redis when REDIS_URL is set, else in
// memory) with its maintenance loops and its backups (restored at start when the store lost its
// state), and answers /health and /stats; the REST surface of the architecture lands with the HTTP
// API issue.
var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddQueueEnvironment();
builder.Services.AddRedisQueue(builder.Configuration);
// Before anything that changes tasks: it restores first, and stops last (the shutdown backup sees the final state).
builder.Services.AddQueueSnapshots(builder.Configuration);
builder.Services.AddQueueMaintenance(builder.Configuration);
builder.Services.AddProblemDetails();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapGet("/health", async (IQueueStore store, CancellationToken ct) =>
{
    try
    {
        await store.GetStatsAsync(ct);
        return Results.Ok(new { status = "Healthy", store = store.Kind });
    }
    catch (QueueStoreException ex) when (ex.Error == StoreError.Unavailable)
    {
        return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Store unavailable");
    }
}).WithName("GetHealth");

app.MapGet("/stats", (IQueueStore store, CancellationToken ct) => store.GetStatsAsync(ct)).WithName("GetStats");

app.Logger.LogInformation("RedisQueue API: store {Store}, backups in {BackupDirectory}",
    app.Services.GetRequiredService<IQueueStore>().Kind, app.Services.GetRequiredService<QueueService.Snapshots.SnapshotDirectory>().DirectoryPath);
await app.RunAsync();
