using Dashboard.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.Tests;

/// <summary>The admin key kept in session storage, cancel and retry, the admin endpoints, and their refusals shown as messages.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AdminTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task Admin_CancelsAndRetriesATask_AndForcesABackup()
    {
        await using var api = DashboardApi.Start(); // no worker: the task waits where it is put
        var id = await api.SubmitRiskDetectionAsync("Please wire the money today");
        await using var session = await DashboardSession.OpenAsync(browser, api, output, nameof(Admin_CancelsAndRetriesATask_AndForcesABackup), $"#/tasks/{id}");
        await Expect(session.Page.Locator(".task-state")).ToHaveTextAsync("Queued (#1)");
        await Expect(session.Page.GetByRole(AriaRole.Link, new() { Name = "enter the admin key" })).ToBeVisibleAsync();

        await session.Page.GetByRole(AriaRole.Link, new() { Name = "enter the admin key" }).ClickAsync();
        await EnterKeyAsync(session, DashboardApi.AdminKey);
        (await session.Page.EvaluateAsync<string>("() => sessionStorage.getItem('redisqueue.adminKey')")).Should().Be(DashboardApi.AdminKey);
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Back up now" }).ClickAsync();
        await Expect(session.Confirmations).ToContainTextAsync("Backup written");
        Directory.GetFiles(api.BackupDirectory, "snapshot-*.rqsnap").Should().ContainSingle(because: "the button wrote one snapshot");
        await session.ScreenshotAsync("admin-backup");

        await session.GoAsync($"#/tasks/{id}");
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(session.Page.Locator(".task-state")).ToHaveTextAsync("Cancelled");
        await Expect(session.Confirmations).ToContainTextAsync("Task cancelled.");
        (await api.GetTaskAsync(id)).GetProperty("status").GetString().Should().Be("cancelled");
        await session.ScreenshotAsync("task-cancelled");

        await Expect(session.Page.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToBeDisabledAsync();
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();
        await Expect(session.Page.Locator(".task-state")).ToHaveTextAsync("Queued (#1)");
        await Expect(session.Confirmations).ToContainTextAsync("Task queued again at #1.");
        (await api.GetTaskAsync(id)).GetProperty("status").GetString().Should().Be("queued");
        await session.ScreenshotAsync("task-retried");
        session.ShouldHaveStayedClean();
    }

    [Fact]
    public async Task WrongAdminKey_ShowsTheApiRefusal_AndChangesNothing()
    {
        await using var api = DashboardApi.Start();
        await using var session = await DashboardSession.OpenAsync(browser, api, output, nameof(WrongAdminKey_ShowsTheApiRefusal_AndChangesNothing), "#/admin");

        // No key at all: the API's 401 is shown.
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Back up now" }).ClickAsync();
        await Expect(session.Errors).ToHaveTextAsync("Back up now failed: 401 An admin API key is required: Admin endpoints need the X-Api-Key header.");

        await EnterKeyAsync(session, "not-the-key");
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Back up now" }).ClickAsync();
        await Expect(session.Errors).ToHaveTextAsync("Back up now failed: 403 Not allowed: The X-Api-Key header does not hold the admin API key.");
        await session.ScreenshotAsync("admin-wrong-key");

        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Clean up stuck tasks" }).ClickAsync();
        await Expect(session.Errors).ToContainTextAsync("Clean up stuck tasks failed: 403 Not allowed");
        await session.Page.GetByLabel("Finished more than this many hours ago").FillAsync("0");
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Clear finished tasks" }).ClickAsync();
        await Expect(session.Errors).ToContainTextAsync("Clear finished tasks failed: 403 Not allowed");
        (Directory.Exists(api.BackupDirectory) ? Directory.GetFiles(api.BackupDirectory, "snapshot-*.rqsnap") : [])
            .Should().BeEmpty(because: "a refused backup writes nothing");

        // The right key then works, and a bad value the API refuses is shown with the field it names.
        await EnterKeyAsync(session, DashboardApi.AdminKey);
        await session.Page.GetByLabel("Finished more than this many hours ago").FillAsync("-1");
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Clear finished tasks" }).ClickAsync();
        await Expect(session.Errors).ToContainTextAsync("Clear finished tasks failed: 400");
        await Expect(session.Errors).ToContainTextAsync("olderThanHours");
        await session.Page.GetByLabel("Finished more than this many hours ago").FillAsync("0");
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Clear finished tasks" }).ClickAsync();
        await Expect(session.Confirmations).ToHaveTextAsync("Deleted 0 finished tasks.");
        session.ShouldHaveStayedClean();
    }

    private static async Task EnterKeyAsync(DashboardSession session, string key)
    {
        await session.Page.GetByLabel("Admin API key").FillAsync(key);
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Keep key" }).ClickAsync();
        await Expect(session.Page.Locator("#key-state")).ToContainTextAsync("An admin key is kept");
    }
}
