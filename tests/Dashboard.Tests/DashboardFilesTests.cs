using System.Net;
using Dashboard.Tests.Support;

namespace Dashboard.Tests;

/// <summary>How the API serves the dashboard's files (no browser needed).</summary>
public sealed class DashboardFilesTests
{
    [Fact]
    public async Task Dashboard_IsServedFromThisOriginOnly_WithItsModulesAsJavaScript()
    {
        await using var api = DashboardApi.Start();
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = api.BaseAddress };

        using var bare = await noRedirects.GetAsync(new Uri("dashboard", UriKind.Relative));
        bare.StatusCode.Should().Be(HttpStatusCode.Redirect, because: "relative module addresses need the trailing slash");
        bare.Headers.Location!.ToString().Should().Be("/dashboard/");

        using var page = await api.Http.GetAsync(new Uri("dashboard/", UriKind.Relative));
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        page.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        policy.Should().Contain("default-src 'self'").And.Contain("script-src 'self'")
            .And.Contain($"connect-src 'self' ws://{api.BaseAddress.Authority} wss://{api.BaseAddress.Authority}");
        page.Headers.CacheControl!.NoCache.Should().BeTrue(because: "an upgraded dashboard must be seen at once");
        var html = await page.Content.ReadAsStringAsync();
        html.Should().Contain("<script type=\"module\" src=\"js/app.js\"></script>").And.NotContain("http://").And.NotContain("https://");

        using var module = await api.Http.GetAsync(new Uri("dashboard/js/app.js", UriKind.Relative));
        module.StatusCode.Should().Be(HttpStatusCode.OK);
        module.Content.Headers.ContentType!.MediaType.Should().Be("text/javascript", because: "browsers refuse module scripts of another type");

        using var missing = await api.Http.GetAsync(new Uri("dashboard/js/nothing.js", UriKind.Relative));
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public void DashboardFiles_UseNothingFromAnotherOrigin()
    {
        var root = QueueHttpApi.Dashboard.DashboardFiles.FolderPath;
        var files = Directory.GetFiles(root, "*", SearchOption.AllDirectories);
        files.Should().Contain(f => f.EndsWith("index.html", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            text.Should().NotMatchRegex(@"(src|href)\s*=\s*[""']?(https?:)?//", because: $"{Path.GetFileName(file)} must load nothing from another origin");
            text.Should().NotMatchRegex(@"\bimport\b[^;]*['""](https?:)?//", because: $"{Path.GetFileName(file)} must import modules from this origin only");
        }
    }
}
