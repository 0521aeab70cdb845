using System;
using System.IO;
using System.Runtime.InteropServices;

namespace PSWebServer.Tests.Support;

/// <summary>Drops a file's pages from the Linux page cache, so the next read of it must wait for the disk.</summary>
internal static class PageCache
{
    private const int PosixFadvDontNeed = 4;

    [DllImport("libc")]
    private static extern int posix_fadvise(int fd, long offset, long length, int advice);

    /// <summary>
    /// fsync, then POSIX_FADV_DONTNEED: clean pages are dropped at once (on a disk file system; where the cache is the
    /// storage, tmpfs, nothing is dropped). False off Linux or when the advice fails. Not checked by a read: even a
    /// RWF_NOWAIT read that fails starts the kernel's readahead, which would bring the pages back.
    /// </summary>
    public static bool Evict(string path)
    {
        if (!OperatingSystem.IsLinux()) return false;
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Flush(flushToDisk: true);
        return posix_fadvise((int)file.SafeFileHandle.DangerousGetHandle(), 0, 0, PosixFadvDontNeed) == 0;
    }
}
