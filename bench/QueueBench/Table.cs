namespace QueueBench;

/// <summary>A markdown table printed to the console.</summary>
internal sealed class Table(string title, params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params object[] cells) => _rows.Add(cells.Select(c => c switch
    {
        double d => d.ToString(d >= 100 ? "N0" : "N3", System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(c, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    }).ToArray());

    public void Print()
    {
        Console.WriteLine();
        Console.WriteLine($"### {title}");
        Console.WriteLine();
        Console.WriteLine("| " + string.Join(" | ", headers) + " |");
        Console.WriteLine("|" + string.Concat(headers.Select((_, i) => i == 0 ? "---|" : "---:|")));
        foreach (var row in _rows) Console.WriteLine("| " + string.Join(" | ", row) + " |");
        Console.Out.Flush();
    }
}

/// <summary>Latency samples in milliseconds.</summary>
internal static class Percentiles
{
    public static double Of(List<double> samples, double p)
    {
        if (samples.Count == 0) return double.NaN;
        var sorted = samples.Order().ToArray();
        var index = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }

    public static double Elapsed(long startTimestamp) =>
        TimeProvider.System.GetElapsedTime(startTimestamp).TotalMilliseconds;
}
