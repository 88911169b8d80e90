using System.Text.RegularExpressions;
using Dashboard.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.Tests;

/// <summary>
/// What a user sees after submitting: the place in the queue counting down, then live progress up to 100 %,
/// driven by the API's WebSocket feed, and the same from polling when the feed cannot be opened.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class SubmitAndFollowTests(BrowserFixture browser, ITestOutputHelper output)
{
    // One worker; once the gate opens, each transcription of 2 s of audio is two 1-second chunks of 0.8 s
    // each, so every place in line lasts about 1.6 s: far longer than the API's 0.5 s position rate limit.
    private static readonly TimeSpan Chunk = TimeSpan.FromSeconds(0.8);

    [Fact]
    public async Task SubmittedRecording_ShowsItsPositionCountingDown_ThenProgressTo100()
    {
        const string test = nameof(SubmittedRecording_ShowsItsPositionCountingDown_ThenProgressTo100);
        await using var api = DashboardApi.Start(embeddedWorkers: 1, transcriptionChunk: Chunk);
        await using var list = await DashboardSession.OpenAsync(browser, api, output, test + "-list", "#/tasks");
        await using var session = await DashboardSession.OpenAsync(browser, api, output, test, "#/submit");
        await session.ScreenshotAsync("submit");
        await session.Page.GetByLabel("Audio file").SetInputFilesAsync(new FilePayload { Name = "meeting.wav", MimeType = "audio/wav", Buffer = DashboardApi.Wav(2) });
        await session.Page.GetByLabel("Then check the transcript for risks").CheckAsync();

        // Three recordings ahead of it: the first held running at the gate, two waiting.
        var ahead = new[] { await api.SubmitTranscriptionAsync(2), await api.SubmitTranscriptionAsync(2), await api.SubmitTranscriptionAsync(2) };
        await api.WaitForStatusAsync(ahead[0], "processing", DashboardSession.Patience);
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Submit recording" }).ClickAsync();

        await Expect(session.Page).ToHaveURLAsync(new Regex("#/tasks/[0-9a-f-]+$"));
        var id = Uri.UnescapeDataString(session.Page.Url[(session.Page.Url.LastIndexOf('/') + 1)..]);
        await Expect(session.Page.Locator(".task-state")).ToHaveTextAsync("Queued (#3)");
        await session.ScreenshotAsync("task-queued");

        // The list tab, updated by the event feed: a running task's progress bar, the waiting ones' places.
        await Expect(list.Page.Locator("tr progress").First).ToBeVisibleAsync();
        await Expect(list.Page.Locator($"tr[data-task-id='{id}'] .state-queued")).ToHaveTextAsync(QueuedAt());
        await list.ScreenshotAsync("tasks-while-running");
        api.OpenGate();

        await Expect(session.Page.Locator(".task-state")).ToHaveTextAsync("Completed");
        await Expect(session.Page.Locator("[data-field=progress]")).ToHaveTextAsync("100 % · Transcribed 2.0 of 2.0 s");
        await Expect(session.Page.Locator(".transcript")).ToContainTextAsync("words of");
        await Expect(session.Page.GetByRole(AriaRole.Link, new() { Name = "the follow-up task" })).ToBeVisibleAsync();
        await session.ScreenshotAsync("task-completed");

        var states = await session.StatesSeenAsync();
        output.WriteLine("states seen: " + string.Join(" | ", states));
        var positions = states.Select(s => QueuedAt().Match(s)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToList();
        positions.Should().Equal([3, 2, 1], because: "its place counts down one task at a time, every place shown, to #1");
        states.Should().Contain(s => s.StartsWith("Queued (#1) · ~", StringComparison.Ordinal),
            because: "once the queue has finished a task, the wait is estimated");
        var states1 = states.ToList();
        var halfway = states1.FindIndex(s => s.StartsWith("50 % · Transcribed 1.0 of 2.0 s", StringComparison.Ordinal));
        halfway.Should().BeGreaterThan(states1.FindLastIndex(s => s.StartsWith("Queued", StringComparison.Ordinal)),
            because: "the progress of its first chunk is shown live after the wait");
        states[^1].Should().Be("Completed");

        var task = await api.GetTaskAsync(id);
        task.GetProperty("status").GetString().Should().Be("completed");
        task.GetProperty("payload").GetProperty("then").GetString().Should().Be("risk-detection", because: "the form's checkbox chains risk detection");
        session.ShouldHaveStayedClean();
        list.ShouldHaveStayedClean();
    }

    [Fact]
    public async Task TaskPage_FollowsTheTaskByPolling_WhenTheLiveFeedCannotBeOpened()
    {
        await using var api = DashboardApi.Start(embeddedWorkers: 1, transcriptionChunk: Chunk);
        var first = await api.SubmitTranscriptionAsync(2);
        await api.WaitForStatusAsync(first, "processing", DashboardSession.Patience); // held at the gate
        var id = await api.SubmitTranscriptionAsync(2);

        await using var session = await DashboardSession.OpenAsync(browser, api, output, nameof(TaskPage_FollowsTheTaskByPolling_WhenTheLiveFeedCannotBeOpened));
        // Every WebSocket of this tab is refused (closed before it opens), as a proxy without WebSocket support would.
        await session.Page.RouteWebSocketAsync(new Regex("/ws/"), socket => socket.CloseAsync());
        await session.GoAsync($"#/tasks/{id}");

        await Expect(session.Page.Locator("#connection")).ToHaveTextAsync(new Regex("^Polling"));
        await Expect(session.Page.Locator(".task-state")).ToHaveTextAsync("Queued (#1)");
        api.OpenGate();
        await Expect(session.Page.Locator(".task-state")).ToHaveTextAsync("Completed");
        await Expect(session.Page.Locator("[data-field=progress]")).ToHaveTextAsync(new Regex("^100 %"));
        await session.ScreenshotAsync("task-completed-by-polling");
        var states = await session.StatesSeenAsync();
        output.WriteLine("states seen: " + string.Join(" | ", states));
        states.Should().Contain("Queued (#1)").And.EndWith("Completed");
        session.ShouldHaveStayedClean();
    }

    [GeneratedRegex(@"^Queued \(#(\d+)\)")]
    private static partial Regex QueuedAt();
}
