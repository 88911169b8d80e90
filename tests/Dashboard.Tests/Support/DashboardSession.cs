using System.Collections.Concurrent;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Dashboard.Tests.Support;

/// <summary>
/// One test's browser tab on the dashboard, in a context of its own. It records every request that leaves the
/// API's origin (none may: the dashboard loads nothing from anywhere else) and every uncaught script error (none
/// may happen), saves screenshots as test artifacts, and records each text the task page's state line showed.
/// </summary>
public sealed class DashboardSession : IAsyncDisposable
{
    /// <summary>What a test waits for a page to show; generous, since other test projects load the machine meanwhile.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    // Every text the task page's state line (.task-state) shows, in order, kept across the app's
    // in-page navigations: the test reads it to prove a position counted down without sampling by time.
    private const string StateRecorder = """
        window.__states = [];
        new MutationObserver(() => {
          const state = document.querySelector('.task-state');
          const text = state ? state.textContent.trim() : null;
          if (text && window.__states[window.__states.length - 1] !== text) window.__states.push(text);
        }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
        """;

    private readonly IBrowserContext _context;
    private readonly ITestOutputHelper _output;
    private readonly string _test;
    private readonly ConcurrentQueue<string> _foreignRequests = new();
    private readonly ConcurrentQueue<string> _scriptErrors = new();
    private int _shots;

    private DashboardSession(IBrowserContext context, IPage page, DashboardApi api, ITestOutputHelper output, string test)
    {
        _context = context;
        Page = page;
        Api = api;
        _output = output;
        _test = test;
        var origin = api.BaseAddress.GetLeftPart(UriPartial.Authority);
        var wsOrigin = "ws" + origin["http".Length..];
        _context.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(origin, StringComparison.Ordinal) && !request.Url.StartsWith(wsOrigin, StringComparison.Ordinal)
                && !request.Url.StartsWith("data:", StringComparison.Ordinal))
                _foreignRequests.Enqueue(request.Url);
        };
        page.PageError += (_, error) => _scriptErrors.Enqueue(error);
        page.Console += (_, message) => output.WriteLine($"[browser {message.Type}] {message.Text}");
    }

    /// <summary>The tab.</summary>
    public IPage Page { get; }

    /// <summary>The API it talks to.</summary>
    public DashboardApi Api { get; }

    /// <summary>Where screenshots go: <c>artifacts/</c> beside the test binary, or <c>DASHBOARD_ARTIFACTS</c>.</summary>
    public static string ArtifactDirectory =>
        Environment.GetEnvironmentVariable("DASHBOARD_ARTIFACTS") is { Length: > 0 } path ? path : Path.Combine(AppContext.BaseDirectory, "artifacts");

    /// <summary>Opens a tab of <paramref name="width"/> × <paramref name="height"/> CSS pixels on the dashboard page <paramref name="route"/> (e.g. <c>#/tasks</c>).</summary>
    public static async Task<DashboardSession> OpenAsync(BrowserFixture browser, DashboardApi api, ITestOutputHelper output, string test,
        string route = "", int width = 1280, int height = 900)
    {
        ArgumentNullException.ThrowIfNull(browser);
        ArgumentNullException.ThrowIfNull(api);
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        context.SetDefaultTimeout((float)Patience.TotalMilliseconds);
        await context.AddInitScriptAsync(StateRecorder);
        var page = await context.NewPageAsync();
        var session = new DashboardSession(context, page, api, output, test);
        await session.GoAsync(route);
        return session;
    }

    /// <summary>Loads the dashboard at <paramref name="route"/> and waits until its first page is drawn.</summary>
    public async Task GoAsync(string route)
    {
        await Page.GotoAsync(Api.Dashboard + route);
        await Assertions.Expect(Page.Locator("main h1")).ToBeVisibleAsync();
    }

    /// <summary>Every text the task page's state line showed since the page loaded.</summary>
    public async Task<IReadOnlyList<string>> StatesSeenAsync() => await Page.EvaluateAsync<string[]>("() => window.__states");

    /// <summary>The error messages shown (role=alert).</summary>
    public ILocator Errors => Page.Locator("#messages [role=alert] .text");

    /// <summary>The confirmations shown (role=status in the message area).</summary>
    public ILocator Confirmations => Page.Locator("#messages .message.info .text");

    /// <summary>Saves a full-page screenshot as a test artifact and prints its path.</summary>
    public async Task ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ArtifactDirectory);
        var path = Path.Combine(ArtifactDirectory, $"{_test}-{++_shots:00}-{name}.png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        _output.WriteLine($"screenshot: {path}");
    }

    /// <summary>Fails when the page threw an uncaught error or asked anything of another origin.</summary>
    public void ShouldHaveStayedClean()
    {
        _scriptErrors.Should().BeEmpty(because: "the dashboard's scripts should never throw");
        _foreignRequests.Should().BeEmpty(because: "everything is served by the API itself (no CDN, no internet)");
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
