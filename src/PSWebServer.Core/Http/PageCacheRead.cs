using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using PSWebServer.Transport;

namespace PSWebServer.Http;

/// <summary>
/// A file read that never waits for the disk, so an event-loop thread may make it: preadv2(2) with RWF_NOWAIT copies
/// what the page cache holds and fails with EAGAIN where the read would have to wait. A file body that must pass through
/// user space (TLS, HTTP/2 DATA) then goes from the cache to the cipher or the frames on the thread already running,
/// without a hop to a work thread and back for every piece: those hops' futex wakes were 16 % of the server's CPU on a
/// 10 MiB HTTPS download (docs/benchmarks.md). A piece that is not cached still goes to a work thread, as before
/// (<see cref="ReadAsync"/>, which both file senders use).
/// </summary>
internal static class PageCacheRead
{
    // Set once the kernel turns out not to have preadv2 or RWF_NOWAIT (before 4.14): never tried again. A file system
    // without it (EOPNOTSUPP) only sends that file's pieces to a work thread: the next file may be on another.
    private static int s_unsupported = OperatingSystem.IsLinux() ? 0 : 1;

    /// <summary>
    /// Reads a piece of a file body at <paramref name="offset"/>: from the page cache on the thread running
    /// (<see cref="TryRead"/>), else on a work thread, where the caller's code after the await then goes on, as after
    /// <see cref="BlockingWorkPool.SwitchTo"/>. The bytes read, 0 at the end of the file.
    /// </summary>
    public static async ValueTask<int> ReadAsync(SafeFileHandle handle, Memory<byte> buffer, long offset)
    {
        int read = TryRead(handle, buffer.Span, offset);
        if (read >= 0) return read;
        await BlockingWorkPool.Shared.SwitchTo();
        return RandomAccess.Read(handle, buffer.Span, offset);
    }

    /// <summary>
    /// Reads into <paramref name="buffer"/> from <paramref name="offset"/> what is in the page cache: the bytes read
    /// (possibly fewer than asked when only part is cached), 0 at the end of the file, or -1 when nothing could be read
    /// without waiting (not cached, or the platform cannot say): then read on a work thread.
    /// </summary>
    public static int TryRead(SafeFileHandle handle, Span<byte> buffer, long offset) =>
        TryReadSlots(handle, buffer, 0, buffer.Length, buffer.Length, offset);

    // More slots than this would not fit one read's vector on the stack; no caller comes near it (HTTP/2: 4 frames a turn).
    private const int MaxSlots = 64;

    /// <summary>
    /// As <see cref="TryRead"/>, but the <paramref name="count"/> bytes go into evenly spaced slots of
    /// <paramref name="target"/>, in one preadv2: each slot <paramref name="slotLength"/> bytes (the last one shorter)
    /// after a gap of <paramref name="gap"/> bytes left untouched, as the payloads of frames whose headers go in the
    /// gaps once the read says how much there is. Returns as <see cref="TryRead"/> does.
    /// </summary>
    public static unsafe int TryReadSlots(SafeFileHandle handle, Span<byte> target, int gap, int slotLength, int count, long offset)
    {
        if (Volatile.Read(ref s_unsupported) != 0 || count <= 0 || slotLength <= 0) return -1;
        int slots = (count + slotLength - 1) / slotLength;
        if (slots > MaxSlots) return -1;
        if ((long)slots * gap + count > target.Length) throw new ArgumentException("The slots do not fit the target.", nameof(target));
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added); // the descriptor cannot be closed and its number reused under the read
            int fd = (int)handle.DangerousGetHandle();
            byte* vector = stackalloc byte[16 * slots]; // struct iovec { void* base; size_t len; } per slot
            fixed (byte* p = target)
            {
                int position = 0;
                for (int i = 0, left = count; i < slots; i++)
                {
                    int length = Math.Min(slotLength, left);
                    *(byte**)(vector + 16 * i) = p + position + gap;
                    *(nuint*)(vector + 16 * i + 8) = (nuint)length;
                    position += gap + length;
                    left -= length;
                }
                while (true)
                {
                    nint n = LinuxNative.preadv2(fd, vector, slots, offset, LinuxNative.RWF_NOWAIT);
                    if (n >= 0) return (int)n;
                    int errno = LinuxNative.Errno;
                    if (errno == LinuxNative.EINTR) continue;
                    if (errno is LinuxNative.ENOSYS or LinuxNative.EINVAL) Volatile.Write(ref s_unsupported, 1);
                    return -1; // EAGAIN (not cached) and anything else: the work thread's read says what it is
                }
            }
        }
        catch (ObjectDisposedException)
        {
            return -1; // closed already: the work thread's read reports it as it always has
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }
}
