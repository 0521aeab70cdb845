using System;
using System.Runtime.InteropServices;

namespace PSWebServer.Transport;

/// <summary>
/// The few libc calls the epoll engine needs. Signatures use only blittable types, so no marshalling runs per call;
/// errno is read through SetLastError. 64-bit Linux only (off_t, size_t and the epoll_event layout assume it).
/// </summary>
internal static unsafe class LinuxNative
{
    private const string Libc = "libc";

    public const int EAGAIN = 11;
    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int EINVAL = 22;
    public const int EMFILE = 24;
    public const int ENFILE = 23;
    public const int ENOBUFS = 105;
    public const int ENOMEM = 12;
    public const int ECONNABORTED = 103;
    public const int EPROTO = 71;
    public const int EPERM = 1;
    public const int ENOTSOCK = 88;
    // accept(2): "Linux passes already-pending network errors on the new socket as an error code": retry on these.
    public const int ENONET = 64, ENOPROTOOPT = 92, EOPNOTSUPP = 95, ENETDOWN = 100, ENETUNREACH = 101, EHOSTDOWN = 112, EHOSTUNREACH = 113;

    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const int EPOLL_CTL_MOD = 3;

    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLRDHUP = 0x2000;
    public const uint EPOLLEXCLUSIVE = 1u << 28;
    public const uint EPOLLET = 1u << 31;

    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;
    public const int EFD_CLOEXEC = 0x80000;

    public const int MSG_NOSIGNAL = 0x4000;
    public const int MSG_MORE = 0x8000;
    public const int SHUT_WR = 1;
    public const int SHUT_RDWR = 2;

    public const int IPPROTO_TCP = 6;
    public const int TCP_NODELAY = 1;
    public const int TCP_DEFER_ACCEPT = 9;
    public const int TCP_NOTSENT_LOWAT = 25;

    public const int SOL_SOCKET = 1;
    public const int SO_LINGER = 13;

    public const int AF_INET = 2;
    public const int AF_INET6 = 10;

    /// <summary>
    /// struct epoll_event is packed on x86-64 (12 bytes: events, then data at offset 4) and naturally aligned
    /// elsewhere (16 bytes, data at offset 8). The loop reads it by offset rather than through one struct.
    /// </summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    public static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    [DllImport(Libc, SetLastError = true)] public static extern int epoll_create1(int flags);
    [DllImport(Libc, SetLastError = true)] public static extern int epoll_ctl(int epfd, int op, int fd, byte* ev);
    [DllImport(Libc, SetLastError = true)] public static extern int epoll_wait(int epfd, byte* events, int maxevents, int timeout);
    [DllImport(Libc, SetLastError = true)] public static extern int eventfd(uint initval, int flags);
    [DllImport(Libc, SetLastError = true)] public static extern int accept4(int sockfd, byte* addr, uint* addrlen, int flags);
    [DllImport(Libc, SetLastError = true)] public static extern nint recv(int sockfd, byte* buf, nuint len, int flags);
    [DllImport(Libc, SetLastError = true)] public static extern nint send(int sockfd, byte* buf, nuint len, int flags);
    [DllImport(Libc, SetLastError = true)] public static extern nint read(int fd, byte* buf, nuint count);
    [DllImport(Libc, SetLastError = true)] public static extern nint write(int fd, byte* buf, nuint count);
    [DllImport(Libc, SetLastError = true)] public static extern nint sendmsg(int sockfd, byte* msg, int flags);
    [DllImport(Libc, SetLastError = true)] public static extern nint sendfile(int outFd, int inFd, long* offset, nuint count);
    // iov: struct iovec { void* base; size_t len; }[count]; flags RWF_NOWAIT: fail with EAGAIN rather than wait for the disk
    [DllImport(Libc, SetLastError = true)] public static extern nint preadv2(int fd, void* iov, int count, long offset, int flags);
    public const int RWF_NOWAIT = 0x8;
    public const int ENOSYS = 38;
    [DllImport(Libc, SetLastError = true)] public static extern int shutdown(int sockfd, int how);
    [DllImport(Libc, SetLastError = true)] public static extern int close(int fd);
    [DllImport(Libc, SetLastError = true)] public static extern int setsockopt(int sockfd, int level, int optname, int* optval, uint optlen);

    /// <summary>Adds or changes <paramref name="fd"/> in an epoll set, carrying <paramref name="data"/> back in its events.</summary>
    public static int EpollControl(int epfd, int op, int fd, uint events, ulong data)
    {
        byte* ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + EpollDataOffset) = data; // unaligned on x86-64, which the CPU allows
        return epoll_ctl(epfd, op, fd, ev);
    }

    public static int Errno => Marshal.GetLastPInvokeError();
}
