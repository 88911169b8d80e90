using System.Globalization;
using System.Text.RegularExpressions;

namespace QueueService.Snapshots;

/// <summary>
/// The names in a snapshot directory. A snapshot is <c>snapshot-20261123T104501123Z.rqsnap</c> (UTC to
/// the millisecond, fixed width, so ordinal order is time order); a write in progress is
/// <c>snapshot-20261123T104501123Z.rqsnap.3f9a1c2e.tmp</c> (the time it started, 8 random hex digits).
/// Anything else in the directory is not ours and is never touched.
/// </summary>
internal static partial class SnapshotFileName
{
    public const string Extension = ".rqsnap";
    private const string StampFormat = "yyyyMMdd'T'HHmmssfff'Z'";

    /// <summary>The name of a snapshot taken at <paramref name="unixMs"/>.</summary>
    public static string Format(long unixMs) =>
        "snapshot-" + DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString(StampFormat, CultureInfo.InvariantCulture) + Extension;

    /// <summary>A fresh temp name for a write starting at <paramref name="unixMs"/>.</summary>
    public static string Temp(long unixMs) =>
        Format(unixMs) + "." + Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next())) + ".tmp";

    /// <summary>True, with its time, for a snapshot name this class would write (a real date, not just digits).</summary>
    public static bool TryParse(string fileName, out long unixMs)
    {
        unixMs = 0;
        var match = SnapshotPattern().Match(fileName);
        if (!match.Success
            || !DateTime.TryParseExact(match.Groups[1].Value, StampFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var stamp))
            return false;
        unixMs = new DateTimeOffset(stamp, TimeSpan.Zero).ToUnixTimeMilliseconds();
        return true;
    }

    /// <summary>True for a temp file of an unfinished write by this class.</summary>
    public static bool IsTemp(string fileName) =>
        TempPattern().IsMatch(fileName) && TryParse(fileName[..fileName.IndexOf(Extension, StringComparison.Ordinal)] + Extension, out _);

    [GeneratedRegex(@"^snapshot-(\d{8}T\d{9}Z)\.rqsnap\z", RegexOptions.CultureInvariant)]
    private static partial Regex SnapshotPattern();

    [GeneratedRegex(@"^snapshot-\d{8}T\d{9}Z\.rqsnap\.[0-9a-f]{8}\.tmp\z", RegexOptions.CultureInvariant)]
    private static partial Regex TempPattern();
}
