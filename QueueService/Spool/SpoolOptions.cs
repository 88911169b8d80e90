using System.ComponentModel.DataAnnotations;

namespace QueueService.Spool;

/// <summary>Where tasks' input files live (key <c>Queue:SpoolDirectory</c>, env <c>SPOOL_DIR</c>).</summary>
public sealed class SpoolOptions
{
    /// <summary>Configuration section; the one key is <c>Queue:SpoolDirectory</c>.</summary>
    public const string Section = "Queue";

    /// <summary>
    /// The spool folder, shared by the HTTP API (which writes uploads) and every worker (which deletes
    /// them); a relative path is taken from the current directory. Default <c>spool</c>.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    public string SpoolDirectory { get; set; } = "spool";
}
