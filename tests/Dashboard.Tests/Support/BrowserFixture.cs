using Microsoft.Playwright;

namespace Dashboard.Tests.Support;

/// <summary>
/// One headless Chromium for every dashboard test: Debian's <c>chromium</c> at <see cref="ExecutablePath"/>
/// (or <c>DASHBOARD_CHROMIUM</c>), driven by Playwright's .NET driver, which the NuGet package ships (no
/// browser download). Each test gets its own <see cref="IBrowserContext"/>, so session storage and cookies
/// never leak from one test to the next.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Where Debian's chromium package installs the browser.</summary>
    public const string DefaultExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The browser in use.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("DASHBOARD_CHROMIUM") is { Length: > 0 } path ? path : DefaultExecutablePath;

    /// <summary>The launched browser.</summary>
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser is not launched yet.");

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException(
                $"No browser at {ExecutablePath}: run 'apt-get install chromium' as root (./test.sh does), or set DASHBOARD_CHROMIUM to a Chromium binary.");
        // This run's screenshots only.
        if (Directory.Exists(DashboardSession.ArtifactDirectory))
            foreach (var old in Directory.GetFiles(DashboardSession.ArtifactDirectory, "*.png")) File.Delete(old);
        // Expectations wait as long as actions do (their own default is 5 s): other test projects load the machine meanwhile.
        Assertions.SetDefaultExpectTimeout((float)DashboardSession.Patience.TotalMilliseconds);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Containers and CI runners often have a tiny /dev/shm, where Chromium's renderer crashes.
            Args = ["--disable-dev-shm-usage"],
        });
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

/// <summary>The dashboard tests share one browser and run one at a time (each starts its own API).</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "browser";
}
