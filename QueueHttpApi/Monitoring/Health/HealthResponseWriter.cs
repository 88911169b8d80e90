using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace QueueHttpApi.Monitoring.Health;

/// <summary>
/// Writes a health report as <c>{status, totalDurationMs, checks: {name: {status, description, durationMs, data}}}</c>
/// (statuses <c>Healthy</c>, <c>Degraded</c>, <c>Unhealthy</c>; JSON camelCase).
/// </summary>
public static class HealthResponseWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The <c>ResponseWriter</c> of the health endpoint.</summary>
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        var body = new
        {
            status = report.Status.ToString(),
            totalDurationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description ?? e.Value.Exception?.Message,
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                data = e.Value.Data,
            }, StringComparer.Ordinal),
        };
        context.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(context.Response.Body, body, Json, context.RequestAborted);
    }
}
