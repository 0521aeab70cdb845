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
    /// fsync, then POSIX_FADV_DONTNEED: clean pages are dropped at once. True when the first page is then really out of the
    /// cache (a disk file system); false where the cache is the storage (tmpfs) or off Linux.
    /// </summary>
    public static bool Evict(string path)
    {
        if (!OperatingSystem.IsLinux()) return false;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Flush(flushToDisk: true);
            if (posix_fadvise((int)file.SafeFileHandle.DangerousGetHandle(), 0, 0, PosixFadvDontNeed) != 0) return false;
        }
        using var probe = File.OpenHandle(path);
        return PSWebServer.Http.PageCacheRead.TryRead(probe, new byte[1], 0) == -1;
    }
}
