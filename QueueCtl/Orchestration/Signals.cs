using System.Diagnostics;
using System.Runtime.InteropServices;

namespace QueueCtl.Orchestration;

/// <summary>
/// Unix signals to a child. .NET's <see cref="Process.Kill()"/> sends SIGKILL on Linux, which skips every
/// shutdown hook (the worker's drain, the API's final snapshot, Redis's AOF flush), so a graceful stop needs
/// SIGTERM sent by hand.
/// </summary>
internal static class Signals
{
    private const int Sigterm = 15;

    /// <summary>Asks <paramref name="process"/> to stop (SIGTERM; on Windows, which has none, it is killed). False if it is already gone.</summary>
    public static bool Terminate(Process process)
    {
        if (OperatingSystem.IsWindows())
        {
            KillNow(process);
            return true;
        }
        try
        {
            if (process.HasExited) return false;
            return SendSignal(process.Id, Sigterm) == 0;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL, for a child that outlived its grace period. Never throws.</summary>
    public static void KillNow(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Exited, or not ours to kill: nothing more can be done.
        }
    }

    // DllImport, not LibraryImport: the source-generated form needs unsafe code for no gain here.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
#pragma warning disable SYSLIB1054, CA5392
    private static extern int SendSignal(int pid, int signal);
#pragma warning restore SYSLIB1054, CA5392
}
