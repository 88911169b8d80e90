namespace QueueCtl;

/// <summary>queuectl's exit codes.</summary>
public static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;

    /// <summary>It could not: the API refused, could not be reached, or a child process failed.</summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong (unknown command or option, bad value).</summary>
    public const int Usage = 2;
}
