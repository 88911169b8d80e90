using System.Text.RegularExpressions;
using Dashboard.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.Tests;

/// <summary>The task table: pages of the paged API, filters in the address, submission errors shown as messages.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TasksPageTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task TaskTable_PagesAndFilters_ThroughThePagedApi()
    {
        await using var api = DashboardApi.Start();
        var ids = new List<string>();
        for (var i = 0; i < 30; i++) ids.Add(await api.SubmitRiskDetectionAsync($"text {i}"));
        await using var session = await DashboardSession.OpenAsync(browser, api, output, nameof(TaskTable_PagesAndFilters_ThroughThePagedApi), "#/tasks");
        var page = session.Page;
        var requests = new List<string>();
        page.Request += (_, r) => { if (r.Url.Contains("/tasks?", StringComparison.Ordinal)) requests.Add(r.Url); };

        await Expect(page.Locator(".page-summary")).ToHaveTextAsync("Showing 1–25 of 30 tasks.");
        await Expect(page.Locator("table.tasks tbody tr")).ToHaveCountAsync(25);
        // Newest first with no filter: the last submitted is #30 in line.
        await Expect(page.Locator($"tr[data-task-id='{ids[^1]}'] .state-queued")).ToHaveTextAsync("Queued (#30)");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "← Previous page" })).ToBeDisabledAsync();
        await session.ScreenshotAsync("tasks");

        await page.GetByRole(AriaRole.Button, new() { Name = "Next page →" }).ClickAsync();
        await Expect(page.Locator(".page-summary")).ToHaveTextAsync("Showing 26–30 of 30 tasks.");
        await Expect(page).ToHaveURLAsync(new Regex("#/tasks\\?offset=25$"));
        await Expect(page.Locator($"tr[data-task-id='{ids[0]}'] .state-queued")).ToHaveTextAsync("Queued (#1)");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Next page →" })).ToBeDisabledAsync();

        await page.GetByLabel("Status").SelectOptionAsync("completed");
        await Expect(page.Locator(".page-summary")).ToHaveTextAsync("No completed tasks.");
        await Expect(page).ToHaveURLAsync(new Regex("#/tasks\\?status=completed$"));
        await page.GetByLabel("Status").SelectOptionAsync("queued");
        await page.GetByLabel("Type").SelectOptionAsync("risk-detection");
        await Expect(page.Locator(".page-summary")).ToHaveTextAsync("Showing 1–25 of 30 queued risk-detection tasks.");
        // In run order when filtered by queued: #1 first.
        await Expect(page.Locator("table.tasks tbody tr").First.Locator(".state-queued")).ToHaveTextAsync("Queued (#1)");
        requests.Should().OnlyContain(url => url.Contains("limit=25", StringComparison.Ordinal), because: "the table reads one page at a time, never every task");

        await page.Locator($"tr[data-task-id='{ids[0]}'] a").ClickAsync();
        await Expect(page.Locator("main h1")).ToContainTextAsync(ids[0]);
        await Expect(page.Locator("main h1")).ToBeFocusedAsync();
        await page.GoBackAsync();
        await Expect(page.Locator(".page-summary")).ToHaveTextAsync("Showing 1–25 of 30 queued risk-detection tasks.");
        session.ShouldHaveStayedClean();
    }

    [Fact]
    public async Task RefusedSubmissions_ShowTheApiProblemAsAMessage()
    {
        await using var api = DashboardApi.Start();
        await using var session = await DashboardSession.OpenAsync(browser, api, output, nameof(RefusedSubmissions_ShowTheApiProblemAsAMessage), "#/submit");
        var page = session.Page;

        await page.GetByLabel("Audio file").SetInputFilesAsync(new FilePayload { Name = "notes.wav", MimeType = "audio/wav", Buffer = "not a wav file"u8.ToArray() });
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit recording" }).ClickAsync();
        await Expect(session.Errors).ToContainTextAsync("The task was not submitted: 400");
        await Expect(session.Errors).ToContainTextAsync("audio");

        await page.GetByLabel("Text", new() { Exact = true }).FillAsync("   ");
        await page.Locator("#text-priority").FillAsync("101");
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit text" }).ClickAsync();
        await Expect(session.Errors).ToContainTextAsync("The task was not submitted: 400 The request is invalid");
        await Expect(session.Errors).ToContainTextAsync("priority");
        await session.ScreenshotAsync("submit-refused");
        await Expect(page).ToHaveURLAsync(new Regex("#/submit$"), new() { Timeout = 1000 });

        await page.GotoAsync(api.Dashboard + "#/tasks/no-such-task");
        await Expect(session.Errors).ToContainTextAsync("Could not read the task: 404");
        // A malformed escape in the address is a page not found, not a script error that leaves the last page up.
        await page.GotoAsync(api.Dashboard + "#/tasks/%E0%A4%A");
        await Expect(page.Locator("main h1")).ToHaveTextAsync("Page not found");
        (await api.Http.GetStringAsync(new Uri("tasks", UriKind.Relative))).Should().Contain("\"total\":0", because: "nothing refused was queued");
        session.ShouldHaveStayedClean();
    }
}
