using System.Diagnostics;
using System.Text.RegularExpressions;
using Dashboard.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.Tests;

/// <summary>The overview: depths per queue, throughput, workers, store mode, backup age, and an unreachable API reported.</summary>
[Collection(BrowserCollection.Name)]
public sealed class OverviewTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task Overview_ShowsDepthsWorkersStoreAndBackup_AndSaysWhenTheApiIsGone()
    {
        var api = DashboardApi.Start(embeddedWorkers: 1);
        try
        {
            var done = new[] { await api.SubmitRiskDetectionAsync("Please wire the money today"), await api.SubmitRiskDetectionAsync("Nothing to see here") };
            foreach (var id in done) await api.WaitForStatusAsync(id, "completed", DashboardSession.Patience);
            (await api.Admin.PostAsync(new Uri("admin/backup", UriKind.Relative), null)).EnsureSuccessStatusCode();

            await using var session = await DashboardSession.OpenAsync(browser, api, output, nameof(Overview_ShowsDepthsWorkersStoreAndBackup_AndSaysWhenTheApiIsGone));
            var page = session.Page;
            await Expect(page.Locator("[data-field=store]")).ToHaveTextAsync("In memory");
            await Expect(page.Locator("[data-field=workers]")).ToHaveTextAsync("1");
            await Expect(page.Locator("[data-field=backup]")).ToHaveTextAsync(new Regex(@"^\d+(\.\d)? (ms|s) ago$"));
            await Expect(page.Locator("[data-field=health]")).ToHaveTextAsync(new Regex("^(Healthy|Degraded)$"));
            var row = page.Locator("table.queues tbody tr", new() { HasText = "risk-detection" });
            await Expect(row.Locator("td[data-status=completed]")).ToHaveTextAsync("2");
            await Expect(row.Locator("td[data-status=queued]")).ToHaveTextAsync("0");
            await Expect(page.GetByRole(AriaRole.Table, new() { Name = "1 live worker" })).ToContainTextAsync("risk-detection, transcription");

            // A new task shows up while the page is open, and the throughput chart gets a bar. With the feed live, the
            // task's events trigger the re-read. Submitted right after a timed read, and seen within 4.4 s of it, so the
            // next timed read (5 s after that one) cannot be what showed it.
            await Expect(page.Locator("#connection")).ToHaveTextAsync("Live");
            await page.WaitForResponseAsync(r => r.Url.EndsWith("/stats", StringComparison.Ordinal), new() { Timeout = 10_000 });
            var sinceRead = Stopwatch.StartNew();
            await api.SubmitRiskDetectionAsync("Once more");
            await Expect(row.Locator("td[data-status=completed]")).ToHaveTextAsync("3", new() { Timeout = 4_400 - sinceRead.ElapsedMilliseconds });
            await Expect(page.Locator("figure.throughput svg[role=img]")).ToHaveAttributeAsync("aria-label", new Regex("^Throughput: [0-9.]+ tasks finished per minute now"));
            await Expect(page.Locator("figure.throughput rect.bar").First).ToBeVisibleAsync();
            await session.ScreenshotAsync("overview");

            // The API goes away: the dashboard says so instead of showing stale numbers silently.
            await api.DisposeAsync();
            await Expect(session.Errors.First).ToContainTextAsync("Cannot reach the queue service");
            await Expect(page.Locator("#connection")).ToHaveTextAsync(new Regex("^Polling"));
            await session.ScreenshotAsync("overview-api-gone");
            session.ShouldHaveStayedClean();
        }
        finally
        {
            await api.DisposeAsync();
        }
    }
}
