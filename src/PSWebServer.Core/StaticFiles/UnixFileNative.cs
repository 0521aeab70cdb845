using System;
using System.Runtime.InteropServices;

namespace PSWebServer.StaticFiles;

/// <summary>
/// The libc calls that let a file be opened without blocking and checked before use (Linux only): open(2) with
/// O_NONBLOCK, so a FIFO or a device returns at once instead of waiting for a writer, and statx(2), whose layout is
/// the same on every Linux architecture (struct stat is not).
/// </summary>
internal static unsafe class UnixFileNative
{
    private const string Libc = "libc";

    public const int O_RDONLY = 0;
    public const int O_NONBLOCK = 0x800;
    public const int O_NOCTTY = 0x100;
    public const int O_CLOEXEC = 0x80000;
    public const int AT_FDCWD = -100;
    public const int AT_EMPTY_PATH = 0x1000;
    public const uint STATX_BASIC_STATS = 0x7FF;

    public const int ENOENT = 2;
    public const int EACCES = 13;
    public const int ENOTDIR = 20;
    public const int ELOOP = 40;
    public const int ENAMETOOLONG = 36;
    public const int EINTR = 4;

    public const int S_IFMT = 0xF000;
    public const int S_IFREG = 0x8000;

    // struct statx: stx_mode at 28 (u16), stx_size at 40 (u64), stx_mtime at 112 (i64 seconds, u32 nanoseconds).
    public const int StatxSize = 256;
    private const int ModeOffset = 28, SizeOffset = 40, MtimeOffset = 112;

    [DllImport(Libc, SetLastError = true)] public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    [DllImport(Libc, SetLastError = true)] public static extern int close(int fd);
    [DllImport(Libc, SetLastError = true)]
    public static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte* buffer);

    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>What statx reported: the file type bits, the size, the modification time as .NET reports it (UTC).</summary>
    public static void Read(byte* statx, out bool regular, out long length, out DateTime lastWriteUtc)
    {
        int mode = *(ushort*)(statx + ModeOffset);
        regular = (mode & S_IFMT) == S_IFREG;
        length = *(long*)(statx + SizeOffset);
        long seconds = *(long*)(statx + MtimeOffset);
        uint nanoseconds = *(uint*)(statx + MtimeOffset + 8);
        lastWriteUtc = new DateTime(DateTime.UnixEpoch.Ticks + seconds * TimeSpan.TicksPerSecond + nanoseconds / 100, DateTimeKind.Utc);
    }
}
