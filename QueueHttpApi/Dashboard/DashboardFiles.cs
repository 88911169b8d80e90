using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace QueueHttpApi.Dashboard;

/// <summary>
/// Serves the web dashboard (docs/dashboard.md): the static files of <c>wwwroot/dashboard</c> at <c>/dashboard/</c>.
/// Plain ES modules and CSS, no build step; they use only the public REST and WebSocket API of this host.
/// </summary>
public static class DashboardFiles
{
    /// <summary>The URL path the dashboard is served under.</summary>
    public const string UrlPath = "/dashboard";

    // Everything from this origin, nothing from anywhere else (the machines it runs on may have no internet).
    // connect-src also names this host's ws:/wss: origin: 'self' covers it in current browsers, not in older Safari.
    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; connect-src 'self'";

    /// <summary>
    /// The folder holding the files: <c>wwwroot/dashboard</c> beside the binary (the build and publish copy it there),
    /// so the dashboard is found whatever the working directory, as <c>appsettings.json</c> is.
    /// </summary>
    public static string FolderPath => Path.Combine(AppContext.BaseDirectory, "wwwroot", "dashboard");

    /// <summary>
    /// Serves <c>/dashboard</c> (redirected to <c>/dashboard/</c>, so relative module URLs resolve) and its files,
    /// each with <c>Cache-Control: no-cache</c> (revalidated by ETag, so an upgrade is seen at once) and a
    /// content security policy that allows this origin only. Logs a warning and serves nothing when the folder is missing.
    /// </summary>
    public static WebApplication UseDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!Directory.Exists(FolderPath))
        {
            app.Logger.LogWarning("The dashboard's files are missing ({DashboardDirectory}): /dashboard is not served", FolderPath);
            return app;
        }

        app.Use(async (context, next) =>
        {
            if (context.Request.Path.Equals(UrlPath, StringComparison.Ordinal) && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
            {
                context.Response.Redirect(UrlPath + "/" + context.Request.QueryString, permanent: false);
                return;
            }
            await next(context);
        });
        var files = new PhysicalFileProvider(FolderPath);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = UrlPath });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = UrlPath,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.CacheControl = "no-cache";
                headers.XContentTypeOptions = "nosniff";
                headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy + SocketSources(context.Context.Request);
                headers["Referrer-Policy"] = "no-referrer";
            },
        });
        return app;
    }

    // " ws://host:port wss://host:port" for the host the page was asked from; nothing for a Host header that is
    // not a plain host[:port] (it goes into a response header, so nothing else may pass).
    private static string SocketSources(HttpRequest request)
    {
        var host = request.Host.Value;
        if (string.IsNullOrEmpty(host) || !host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']')) return "";
        return $" ws://{host} wss://{host}";
    }
}
