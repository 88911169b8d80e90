using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace SystemTests.Support;

/// <summary>A moment of the chaos scenario: what was done or seen, and when (scenario clock).</summary>
internal sealed record ChaosEvent(TimeSpan At, string What);

/// <summary>A stretch of the chaos scenario (start-up, an outage, the wait for the last task).</summary>
internal sealed record ChaosPhase(string Name, TimeSpan Start, TimeSpan End, string Detail)
{
    /// <summary>How long it lasted.</summary>
    public TimeSpan Duration => End - Start;

    /// <summary>Whether [<paramref name="from"/>, <paramref name="to"/>] overlaps it.</summary>
    public bool Overlaps(TimeSpan from, TimeSpan to) => from <= End && to >= Start;
}

/// <summary>What happened when in the chaos scenario: its events and phases, for the report and the failure messages.</summary>
internal sealed class ChaosTimeline(Stopwatch clock)
{
    private readonly List<ChaosEvent> _events = [];
    private readonly List<ChaosPhase> _phases = [];

    /// <summary>The scenario clock.</summary>
    public TimeSpan Now => clock.Elapsed;

    /// <summary>The events so far, in order.</summary>
    public IReadOnlyList<ChaosEvent> Events
    {
        get { lock (_events) return _events.ToArray(); }
    }

    /// <summary>The phases so far, in the order they ended.</summary>
    public IReadOnlyList<ChaosPhase> Phases
    {
        get { lock (_phases) return _phases.ToArray(); }
    }

    /// <summary>Records an event now and returns its time.</summary>
    public TimeSpan Mark(string what)
    {
        var at = clock.Elapsed;
        lock (_events) _events.Add(new ChaosEvent(at, what));
        return at;
    }

    /// <summary>Records a phase from <paramref name="start"/> to now.</summary>
    public ChaosPhase Phase(string name, TimeSpan start, string detail = "")
    {
        var phase = new ChaosPhase(name, start, clock.Elapsed, detail);
        lock (_phases) _phases.Add(phase);
        return phase;
    }

    /// <summary>The phase called <paramref name="name"/>, if it was recorded.</summary>
    public ChaosPhase? Find(string name) => Phases.FirstOrDefault(p => p.Name == name);

    /// <summary>Where <paramref name="at"/> falls: <c>12.3 s, after "Redis killed …"</c>.</summary>
    public string Describe(TimeSpan at)
    {
        var before = Events.LastOrDefault(e => e.At <= at);
        return before is null ? Seconds(at) + " s, before the first event" : $"{Seconds(at)} s, after \"{before.What}\" ({Seconds(before.At)} s)";
    }

    /// <summary>The events as lines, one per event.</summary>
    public string EventLog()
    {
        var text = new StringBuilder();
        foreach (var e in Events) text.AppendLine(CultureInfo.InvariantCulture, $"  {Seconds(e.At),7} s  {e.What}");
        return text.ToString();
    }

    /// <summary>Seconds with one decimal, invariant.</summary>
    public static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
}
