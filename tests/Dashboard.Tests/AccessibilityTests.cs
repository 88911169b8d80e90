using Dashboard.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.Tests;

/// <summary>Every page at a phone's width, its labels, and keyboard use.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AccessibilityTests(BrowserFixture browser, ITestOutputHelper output)
{
    private static readonly string[] Pages = ["", "#/tasks", "#/submit", "#/admin"];

    // Form controls without a label, and a page wider than the screen (a table may scroll inside its own region).
    private const string Problems = """
        () => {
          const unlabelled = [...document.querySelectorAll('input, select, textarea')]
            .filter(c => c.labels.length === 0 && !c.getAttribute('aria-label'))
            .map(c => c.outerHTML);
          const unnamedButtons = [...document.querySelectorAll('button')].filter(b => !b.textContent.trim() && !b.getAttribute('aria-label')).map(b => b.outerHTML);
          const overflow = document.documentElement.scrollWidth > window.innerWidth ? [`page is ${document.documentElement.scrollWidth}px wide on a ${window.innerWidth}px screen`] : [];
          return [...unlabelled, ...unnamedButtons, ...overflow];
        }
        """;

    [Fact]
    public async Task EveryPage_FitsAPhone_LabelsItsControls_AndWorksByKeyboard()
    {
        await using var api = DashboardApi.Start(embeddedWorkers: 1);
        var id = await api.SubmitRiskDetectionAsync("They asked us to cook the books and wire the money offshore");
        await api.WaitForStatusAsync(id, "completed", DashboardSession.Patience);
        await using var session = await DashboardSession.OpenAsync(browser, api, output, nameof(EveryPage_FitsAPhone_LabelsItsControls_AndWorksByKeyboard), width: 375, height: 740);
        var page = session.Page;

        foreach (var route in Pages.Append($"#/tasks/{id}"))
        {
            await session.GoAsync(route);
            await Expect(page.Locator("#main")).Not.ToContainTextAsync("Loading…");
            var problems = await page.EvaluateAsync<string[]>(Problems);
            problems.Should().BeEmpty(because: $"page '{route}' should fit 375 px and label every control");
            await session.ScreenshotAsync("phone-" + (route.Length == 0 ? "overview" : route.StartsWith("#/tasks/", StringComparison.Ordinal) ? "task" : route[2..]));
        }

        // The risk matches are highlighted in the text.
        await Expect(page.Locator(".transcript mark")).ToHaveTextAsync(["cook the books", "wire the money"]);

        // Keyboard only: the skip link comes first, the navigation follows, Enter follows a link and focus lands on the new heading.
        await session.GoAsync("");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Tasks", Exact = true })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Tasks", Level = 1 })).ToBeFocusedAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Tasks", Exact = true })).ToHaveAttributeAsync("aria-current", "page");
        session.ShouldHaveStayedClean();
    }
}
