using System;
using System.IO;
using Microsoft.Win32.SafeHandles;

namespace PSWebServer.StaticFiles;

/// <summary>
/// Opens files to serve, as nginx does: only regular files, and never an open that can wait. On Linux the file is
/// opened with O_NONBLOCK (a FIFO with no writer, a device, returns at once) and its type is checked on the open
/// descriptor, so what is checked is what is sent. A FIFO, socket or device answers as if it were not there.
/// Elsewhere .NET opens it (asynchronous, as the socket engine's TransmitFile wants). Either way this runs off the
/// event loops: opening a cold file on a slow disk must not stall other connections.
/// </summary>
internal static unsafe class RegularFile
{
    /// <summary>
    /// The file open for reading with its length and time, or null when it is missing or not a regular file.
    /// Throws <see cref="UnauthorizedAccessException"/> when it may not be read, <see cref="IOException"/> on other failures.
    /// </summary>
    public static FileStream? Open(string path, out long length, out DateTime lastWriteUtc)
    {
        if (!OperatingSystem.IsLinux())
        {
            length = 0;
            lastWriteUtc = default;
            var info = new FileInfo(path);
            if (!info.Exists) return null;
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.Asynchronous);
            length = stream.Length;
            lastWriteUtc = File.GetLastWriteTimeUtc(path);
            return stream;
        }

        int fd;
        do
        {
            fd = UnixFileNative.open(path, UnixFileNative.O_RDONLY | UnixFileNative.O_NONBLOCK | UnixFileNative.O_NOCTTY | UnixFileNative.O_CLOEXEC);
        } while (fd < 0 && UnixFileNative.Errno == UnixFileNative.EINTR);
        if (fd < 0)
        {
            length = 0;
            lastWriteUtc = default;
            int errno = UnixFileNative.Errno;
            return errno switch
            {
                UnixFileNative.ENOENT or UnixFileNative.ENOTDIR or UnixFileNative.ELOOP or UnixFileNative.ENAMETOOLONG => null,
                UnixFileNative.EACCES => throw new UnauthorizedAccessException("Permission denied: " + path),
                _ => throw new IOException("open failed: errno " + errno, errno),
            };
        }
        byte* buffer = stackalloc byte[UnixFileNative.StatxSize];
        if (UnixFileNative.statx(fd, "", UnixFileNative.AT_EMPTY_PATH, UnixFileNative.STATX_BASIC_STATS, buffer) != 0)
        {
            int errno = UnixFileNative.Errno;
            UnixFileNative.close(fd);
            throw new IOException("statx failed: errno " + errno, errno);
        }
        UnixFileNative.Read(buffer, out bool regular, out length, out lastWriteUtc);
        if (!regular)
        {
            UnixFileNative.close(fd);
            return null;
        }
        // O_NONBLOCK has no effect on a regular file's reads, so the descriptor serves as it is.
        return new FileStream(new SafeFileHandle((IntPtr)fd, ownsHandle: true), FileAccess.Read, bufferSize: 1);
    }

    /// <summary>
    /// The length and time of a path without opening it; false when it is missing or not a regular file.
    /// For freshness checks of cached copies (off the loops, like every call here).
    /// </summary>
    public static bool TryStat(string path, out long length, out DateTime lastWriteUtc)
    {
        if (!OperatingSystem.IsLinux())
        {
            var info = new FileInfo(path);
            length = info.Exists ? info.Length : 0;
            lastWriteUtc = info.Exists ? info.LastWriteTimeUtc : default;
            return info.Exists;
        }
        byte* buffer = stackalloc byte[UnixFileNative.StatxSize];
        if (UnixFileNative.statx(UnixFileNative.AT_FDCWD, path, 0, UnixFileNative.STATX_BASIC_STATS, buffer) != 0)
        {
            length = 0;
            lastWriteUtc = default;
            return false;
        }
        UnixFileNative.Read(buffer, out bool regular, out length, out lastWriteUtc);
        return regular;
    }

    /// <summary>Reads a whole (small) opened file into a new array, from its start, whatever the stream's position.</summary>
    public static byte[] ReadAll(FileStream stream, long length)
    {
        var body = new byte[length];
        int read = 0;
        while (read < body.Length)
        {
            int n = RandomAccess.Read(stream.SafeFileHandle, body.AsSpan(read), read);
            if (n == 0) throw new IOException("The file became shorter while it was read.");
            read += n;
        }
        return body;
    }
}
