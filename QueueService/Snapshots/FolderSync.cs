using System.Runtime.InteropServices;
using System.Text;

namespace QueueService.Snapshots;

/// <summary>
/// An <c>fsync</c> of a folder: a file renamed into it is only sure to survive a power loss once the folder's entry is
/// on disk too (POSIX promises no more; ext4 usually, btrfs and others not). Without it a snapshot that replaced a
/// journal could vanish with the rename while the journal's truncation survived.
/// </summary>
internal static class FolderSync
{
    private const int ReadOnly = 0; // O_RDONLY: enough to fsync a folder on Linux and macOS

    /// <summary>Flushes <paramref name="folder"/>'s entries to disk. Nothing to do on Windows, where NTFS journals renames.</summary>
    /// <exception cref="IOException">The folder could not be opened or flushed (the errno is in the message).</exception>
    public static void Flush(string folder)
    {
        if (OperatingSystem.IsWindows()) return;
        var fd = Open(Encoding.UTF8.GetBytes(folder + '\0'), ReadOnly);
        if (fd < 0) throw new IOException($"Could not open the folder {folder} to flush it to disk (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"Could not flush the folder {folder} to disk (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    // DllImport, not LibraryImport: the source-generated form needs unsafe code for no gain here.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] nulTerminatedUtf8Path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
