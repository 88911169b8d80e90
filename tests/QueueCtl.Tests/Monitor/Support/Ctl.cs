using QueueCtl;
using Spectre.Console;

namespace QueueCtl.Tests.Monitor.Support;

/// <summary>What one queuectl run printed and returned.</summary>
/// <param name="ExitCode">Its exit code.</param>
/// <param name="Out">Standard output (tables, JSON).</param>
/// <param name="Error">The error writer.</param>
internal sealed record CtlResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- out ---\n{Out}\n--- error ---\n{Error}";
}

/// <summary>
/// Runs queuectl in process through its real entry (<see cref="QueueCtlApp.RunAsync"/>) with a recording console:
/// no ANSI, no colours, no Unicode, not interactive (as when output is piped to a plain log), 160 columns wide unless told
/// otherwise; or, with <c>interactiveAnsi</c>, a colour terminal that can move the cursor.
/// </summary>
internal sealed class Ctl
{
    private readonly Dictionary<string, string?> _variables;

    public Ctl(IReadOnlyDictionary<string, string?>? variables = null, bool interactiveAnsi = false, int width = 160)
    {
        _variables = new Dictionary<string, string?>(variables ?? new Dictionary<string, string?>(), StringComparer.Ordinal);
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Out),
            Ansi = interactiveAnsi ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = interactiveAnsi ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Interactive = interactiveAnsi ? InteractionSupport.Yes : InteractionSupport.No,
        });
        Console.Profile.Width = width;
        // Progress bars are '#' and '-' without Unicode, '█' and '░' with it: pinned so tests read the same everywhere.
        Console.Profile.Capabilities.Unicode = interactiveAnsi;
        Environment = new CliEnvironment(Console, Error, name => _variables.GetValueOrDefault(name));
    }

    public RecordingWriter Out { get; } = new();

    public RecordingWriter Error { get; } = new();

    public IAnsiConsole Console { get; }

    public CliEnvironment Environment { get; }

    /// <summary>Runs <paramref name="args"/> once with fresh output and returns what it printed.</summary>
    public static Task<CtlResult> RunAsync(params string[] args) => new Ctl().RunOnceAsync(args);

    /// <summary>Runs <paramref name="args"/> with these environment variables.</summary>
    public static Task<CtlResult> RunWithVariablesAsync(IReadOnlyDictionary<string, string?> variables, params string[] args) =>
        new Ctl(variables).RunOnceAsync(args);

    /// <summary>Runs <paramref name="args"/> on this instance's console (a test that reads output while it runs starts this in the background).</summary>
    public async Task<CtlResult> RunOnceAsync(string[] args, CancellationToken cancellationToken = default)
    {
        // A token that can be cancelled, always: queuectl listens to process signals only when it gets none.
        using var never = new CancellationTokenSource();
        var token = cancellationToken.CanBeCanceled ? cancellationToken : never.Token;
        var exit = await QueueCtlApp.RunAsync(args, Environment, token);
        return new CtlResult(exit, Out.Text, Error.Text);
    }
}
