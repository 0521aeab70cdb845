using System;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace PSWebServer.Transport;

/// <summary>
/// A connection's non-blocking socket, driven by one <see cref="EpollEventLoop"/>. Each operation tries its syscall at
/// once; only when the kernel says EAGAIN does it park, and the loop thread completes it when epoll reports readiness.
/// The two reusable value-task sources run their continuation synchronously, so the connection's code resumes on the
/// loop thread with no thread-pool hop. Everything but <see cref="Abort"/> and <see cref="RemoteAddress"/> is meant
/// to run on the loop thread; a call from another thread is handed to the loop instead of touching the socket.
/// </summary>
internal sealed unsafe class EpollTransport : IConnectionTransport, IValueTaskSource<int>, IValueTaskSource
{
    // A connection that keeps finding bytes ready yields to the others on its loop after this many receives in a row.
    private const int ReceiveBudget = 16;

    private readonly EpollEventLoop _loop;
    private readonly int _fd;
    private readonly uint _addressV4;
    private readonly byte[]? _addressV6;
    private readonly int _port;
    private string? _remoteAddress;

    private ManualResetValueTaskSourceCore<int> _receive;
    private ManualResetValueTaskSourceCore<bool> _send;
    private Memory<byte> _receiveBuffer;
    private ReadOnlyMemory<byte> _sendBuffer;
    private ReadOnlyMemory<byte> _sendSecond; // a gather send's second buffer, sent after _sendBuffer
    private FileStream? _sendFile;
    // The descriptor of the file being sent, taken once per response: FileStream.SafeFileHandle seeks the descriptor
    // to the stream's position each time it is read (lseek(2)), which was one call per chunk and per EAGAIN retry.
    // sendfile takes an explicit offset, so the descriptor's own position never matters here.
    private FileStream? _handleOwner;
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _handle;
    private long _fileOffset;
    private long _fileRemaining;
    private volatile bool _receivePending;
    private volatile bool _sendPending;
    private bool _armed; // in the loop's epoll set: from the first operation that had to wait
    private bool _readReady = true;
    // The peer's FIN (or an error) has been reported. It arrives in the same edge as the data before it, so a short read
    // must not then be taken to mean "drained": no new edge will come, and the next receive would wait for ever.
    private bool _peerClosed;
    private bool _writeReady = true;
    // MSG_NOSIGNAL, plus MSG_MORE once SendLastAsync has said the FIN comes next (the bytes then wait for it)
    private int _sendFlags = LinuxNative.MSG_NOSIGNAL;
    private int _budget = ReceiveBudget;
    private volatile bool _aborted;
    private volatile bool _disposeRequested;
    private bool _resetOnClose;
    private bool _closed; // guarded by lock (this): the fd number is closed once, and never shut down after
    private int _unsentLimit; // the TCP_NOTSENT_LOWAT last set (0: the kernel's default), so asking again costs no system call

    public EpollTransport(EpollEventLoop loop, int fd, uint addressV4, byte[]? addressV6, int port)
    {
        _loop = loop;
        _fd = fd;
        _addressV4 = addressV4;
        _addressV6 = addressV6;
        _port = port;
    }

    /// <summary>The loop's key for this connection in epoll events: slot and generation.</summary>
    internal ulong Token { get; set; }
    internal int Slot { get; set; }
    internal int Fd => _fd;
    internal bool Closed => _closed;
    internal bool Deferred { get; set; }

    public string RemoteAddress => _remoteAddress ??= FormatAddress();

    // ---- receive ----

    public ValueTask<int> ReceiveAsync(Memory<byte> buffer)
    {
        if (!_loop.IsLoopThread) return Park(buffer, post: true);
        if (_aborted || _closed) return ValueTask.FromException<int>(AbortedError());
        if (_readReady && _budget > 0)
        {
            _budget--;
            int n = Receive(buffer.Span, out int errno);
            if (n >= 0)
            {
                if (n < buffer.Length && !_peerClosed) _readReady = false; // drained: the next arrival raises a new edge
                return new ValueTask<int>(n);
            }
            if (errno != LinuxNative.EAGAIN) return ValueTask.FromException<int>(Error(errno));
            _readReady = false;
        }
        if (!_readReady && !Arm()) return ValueTask.FromException<int>(Error(LinuxNative.ENOMEM));
        return Park(buffer, post: false);
    }

    private ValueTask<int> Park(Memory<byte> buffer, bool post)
    {
        _receive.Reset();
        _receiveBuffer = buffer;
        _receivePending = true;
        if (post) _loop.Post(this);
        else if (_readReady) _loop.Defer(this); // out of budget while bytes may still be waiting
        return new ValueTask<int>(this, _receive.Version);
    }

    /// <summary>On the loop thread: retries a parked receive; completes it (running its continuation) unless it is still EAGAIN.</summary>
    internal void RetryReceive()
    {
        if (!_receivePending) return;
        if (_aborted || _closed)
        {
            FailReceive(AbortedError());
            return;
        }
        Memory<byte> buffer = _receiveBuffer;
        int n = Receive(buffer.Span, out int errno);
        if (n >= 0)
        {
            if (n < buffer.Length && !_peerClosed) _readReady = false;
            _receiveBuffer = default;
            _receivePending = false;
            _receive.SetResult(n);
        }
        else if (errno == LinuxNative.EAGAIN)
        {
            _readReady = false;
            if (!Arm()) FailReceive(Error(LinuxNative.ENOMEM));
        }
        else
        {
            FailReceive(Error(errno));
        }
    }

    private void FailReceive(Exception error)
    {
        _receiveBuffer = default;
        _receivePending = false;
        _receive.SetException(error);
    }

    private int Receive(Span<byte> buffer, out int errno)
    {
        errno = 0;
        while (true)
        {
            nint n;
            fixed (byte* p = buffer) n = LinuxNative.recv(_fd, p, (nuint)buffer.Length, 0);
            if (n >= 0) return (int)n;
            errno = LinuxNative.Errno;
            if (errno != LinuxNative.EINTR) return -1;
        }
    }

    // ---- send ----

    public ValueTask SendAsync(ReadOnlyMemory<byte> data)
    {
        if (!_loop.IsLoopThread) return ParkSend(data, null, 0, 0, post: true);
        if (_aborted || _closed) return ValueTask.FromException(AbortedError());
        if (_writeReady)
        {
            int errno = SendSome(ref data);
            if (data.IsEmpty) return default;
            if (errno != LinuxNative.EAGAIN) return ValueTask.FromException(Error(errno));
        }
        if (!Arm()) return ValueTask.FromException(Error(LinuxNative.ENOMEM));
        return ParkSend(data, null, 0, 0, post: false);
    }

    public ValueTask SendLastAsync(ReadOnlyMemory<byte> data)
    {
        // Set before the send, read by it on the loop (posted sends reach the loop through its queue, which orders
        // this write before their read). Never cleared: after the last send comes only the close or the shutdown,
        // and either sends the FIN, which takes the waiting bytes with it.
        _sendFlags = LinuxNative.MSG_NOSIGNAL | LinuxNative.MSG_MORE;
        return SendAsync(data);
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
    {
        if (second.IsEmpty) return SendAsync(first);
        if (!_loop.IsLoopThread) return ParkSend(first, null, 0, 0, post: true, second);
        if (_aborted || _closed) return ValueTask.FromException(AbortedError());
        if (_writeReady)
        {
            int errno = SendGather(ref first, ref second);
            if (first.IsEmpty && second.IsEmpty) return default;
            if (errno != LinuxNative.EAGAIN) return ValueTask.FromException(Error(errno));
        }
        if (!Arm()) return ValueTask.FromException(Error(LinuxNative.ENOMEM));
        return ParkSend(first, null, 0, 0, post: false, second);
    }

    public ValueTask SendFileAsync(FileStream file, long offset, long count)
    {
        if (count <= 0) return default;
        if (!_loop.IsLoopThread) return ParkSend(default, file, offset, count, post: true);
        if (_aborted || _closed) return ValueTask.FromException(AbortedError());
        if (_writeReady)
        {
            int errno = SendFileSome(file, ref offset, ref count);
            if (count == 0) return default;
            if (errno != LinuxNative.EAGAIN) return ValueTask.FromException(errno == 0 ? new IOException("The file ended before its length was sent.") : Error(errno));
        }
        if (!Arm()) return ValueTask.FromException(Error(LinuxNative.ENOMEM));
        return ParkSend(default, file, offset, count, post: false);
    }

    private ValueTask ParkSend(ReadOnlyMemory<byte> data, FileStream? file, long offset, long count, bool post,
        ReadOnlyMemory<byte> second = default)
    {
        _send.Reset();
        _sendBuffer = data;
        _sendSecond = second;
        _sendFile = file;
        _fileOffset = offset;
        _fileRemaining = count;
        _sendPending = true;
        if (post) _loop.Post(this);
        return new ValueTask(this, _send.Version);
    }

    /// <summary>On the loop thread: pushes a parked send on; completes it when all is sent or it fails.</summary>
    internal void RetrySend()
    {
        if (!_sendPending) return;
        if (_aborted || _closed)
        {
            _resetOnClose = true; // a send cut short (a stalled reader): drop the queued bytes rather than let the kernel keep delivering them
            FailSend(AbortedError());
            return;
        }
        int errno;
        bool done;
        if (_sendFile is FileStream file)
        {
            errno = SendFileSome(file, ref _fileOffset, ref _fileRemaining);
            done = _fileRemaining == 0;
            if (!done && errno == 0)
            {
                FailSend(new IOException("The file ended before its length was sent."));
                return;
            }
        }
        else
        {
            errno = _sendSecond.IsEmpty ? SendSome(ref _sendBuffer) : SendGather(ref _sendBuffer, ref _sendSecond);
            done = _sendBuffer.IsEmpty && _sendSecond.IsEmpty;
        }
        if (done)
        {
            _sendBuffer = default;
            _sendSecond = default;
            _sendFile = null;
            _sendPending = false;
            _send.SetResult(true);
        }
        else if (errno != LinuxNative.EAGAIN)
        {
            FailSend(Error(errno));
        }
        else if (!Arm())
        {
            FailSend(Error(LinuxNative.ENOMEM));
        }
    }

    private void FailSend(Exception error)
    {
        _sendBuffer = default;
        _sendSecond = default;
        _sendFile = null;
        _sendPending = false;
        _send.SetException(error);
    }

    /// <summary>Sends until done or the kernel refuses; returns the errno that stopped it (EAGAIN: park), 0 when all went.</summary>
    private int SendSome(ref ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            nint n;
            ReadOnlySpan<byte> span = data.Span;
            fixed (byte* p = span) n = LinuxNative.send(_fd, p, (nuint)span.Length, _sendFlags);
            if (n >= 0)
            {
                data = data.Slice((int)n);
                continue;
            }
            int errno = LinuxNative.Errno;
            if (errno == LinuxNative.EINTR) continue;
            if (errno == LinuxNative.EAGAIN) _writeReady = false;
            return errno;
        }
        return 0;
    }

    /// <summary>
    /// sendmsg(2) with two iovecs until both are sent or the kernel refuses (one system call for a head and its body);
    /// returns the errno that stopped it (EAGAIN: park), 0 when all went.
    /// </summary>
    private int SendGather(ref ReadOnlyMemory<byte> first, ref ReadOnlyMemory<byte> second)
    {
        byte* message = stackalloc byte[56]; // struct msghdr on 64-bit Linux
        byte* vectors = stackalloc byte[32]; // two struct iovec { void* base; size_t len; }
        while (!first.IsEmpty)
        {
            nint n;
            ReadOnlySpan<byte> a = first.Span, b = second.Span;
            fixed (byte* pa = a)
            fixed (byte* pb = b)
            {
                *(byte**)vectors = pa;
                *(nuint*)(vectors + 8) = (nuint)a.Length;
                *(byte**)(vectors + 16) = pb;
                *(nuint*)(vectors + 24) = (nuint)b.Length;
                new Span<byte>(message, 56).Clear();
                *(byte**)(message + 16) = vectors; // msg_iov
                *(nuint*)(message + 24) = 2;       // msg_iovlen
                n = LinuxNative.sendmsg(_fd, message, _sendFlags);
            }
            if (n >= 0)
            {
                if (n < first.Length)
                {
                    first = first.Slice((int)n);
                    continue;
                }
                second = second.Slice((int)(n - first.Length));
                first = default;
                break;
            }
            int errno = LinuxNative.Errno;
            if (errno == LinuxNative.EINTR) continue;
            if (errno == LinuxNative.EAGAIN) _writeReady = false;
            return errno;
        }
        return SendSome(ref second);
    }

    /// <summary>sendfile(2) until done or the kernel refuses; 0 with bytes left means the file is shorter than promised.</summary>
    private int SendFileSome(FileStream file, ref long offset, ref long remaining)
    {
        if (!ReferenceEquals(file, _handleOwner) || _handle is null)
        {
            _handle = file.SafeFileHandle; // throws ObjectDisposedException for a closed stream
            _handleOwner = file;
        }
        else if (_handle.IsClosed)
        {
            // the stream was disposed since: its number may already name another file, so it is not used
            _handle = null;
            _handleOwner = null;
            return LinuxNative.EBADF;
        }
        int inFd = (int)_handle.DangerousGetHandle();
        while (remaining > 0)
        {
            long position = offset;
            nint n = LinuxNative.sendfile(_fd, inFd, &position, (nuint)Math.Min(remaining, 0x7FFFF000L));
            if (n > 0)
            {
                offset += n;
                remaining -= n;
                continue;
            }
            if (n == 0) return 0;
            int errno = LinuxNative.Errno;
            if (errno == LinuxNative.EINTR) continue;
            if (errno == LinuxNative.EAGAIN) _writeReady = false;
            return errno;
        }
        return 0;
    }

    /// <summary>
    /// Loop thread: joins the loop's epoll set before an operation waits (once per connection). A connection whose
    /// request was already there and that closes after its answer never joins: one epoll_ctl less per such connection.
    /// </summary>
    private bool Arm()
    {
        if (_armed) return true;
        _armed = _loop.Arm(this);
        return _armed;
    }

    // ---- readiness, from the loop ----

    /// <summary>On the loop thread, for one epoll event (or a deferred retry): note readiness and move parked operations on.</summary>
    internal void OnEvents(uint events)
    {
        _budget = ReceiveBudget;
        if ((events & (LinuxNative.EPOLLIN | LinuxNative.EPOLLRDHUP | LinuxNative.EPOLLHUP | LinuxNative.EPOLLERR)) != 0)
        {
            _readReady = true;
            if ((events & (LinuxNative.EPOLLRDHUP | LinuxNative.EPOLLHUP | LinuxNative.EPOLLERR)) != 0) _peerClosed = true;
            if (_receivePending) RetryReceive();
        }
        if (_closed) return; // the continuation finished the connection
        if ((events & (LinuxNative.EPOLLOUT | LinuxNative.EPOLLHUP | LinuxNative.EPOLLERR)) != 0)
        {
            _writeReady = true;
            if (_sendPending) RetrySend();
        }
    }

    /// <summary>On the loop thread: work handed over from another thread (an operation started there, or Dispose).</summary>
    internal void OnPosted()
    {
        if (_disposeRequested)
        {
            CloseOnLoop();
            return;
        }
        _budget = ReceiveBudget;
        if (_receivePending) RetryReceive();
        if (!_closed && _sendPending) RetrySend();
    }

    /// <summary>On the loop thread, when the loop stops: fail what is parked so the connection's code ends, then close.</summary>
    internal void AbortOnLoop()
    {
        _aborted = true;
        if (_receivePending) FailReceive(AbortedError());
        if (!_closed && _sendPending)
        {
            _resetOnClose = true;
            FailSend(AbortedError());
        }
    }

    internal void StartBudget() => _budget = ReceiveBudget;

    // ---- shutdown, abort, close ----

    public void LimitUnsentBytes(int bytes)
    {
        if (Volatile.Read(ref _unsentLimit) == bytes) return; // set already; two HTTP/2 streams racing here both set it, which is harmless
        lock (this)
        {
            if (!_closed) LinuxNative.setsockopt(_fd, LinuxNative.IPPROTO_TCP, LinuxNative.TCP_NOTSENT_LOWAT, &bytes, sizeof(int));
            Volatile.Write(ref _unsentLimit, bytes);
        }
    }

    public void ShutdownSend()
    {
        lock (this)
        {
            if (!_closed) LinuxNative.shutdown(_fd, LinuxNative.SHUT_WR);
        }
    }

    /// <summary>Any thread: later operations fail, and shutdown(2) makes epoll report the socket so parked ones fail too.</summary>
    public void Abort()
    {
        _aborted = true;
        lock (this)
        {
            if (!_closed) LinuxNative.shutdown(_fd, LinuxNative.SHUT_RDWR);
        }
    }

    /// <summary>Closes with RST: the flag is read by <see cref="CloseOnLoop"/>, on the loop, after the lock that publishes it.</summary>
    public void Reset()
    {
        lock (this)
        {
            if (_closed) return;
            _resetOnClose = true;
        }
        Dispose();
    }

    public void Dispose()
    {
        if (_loop.IsLoopThread)
        {
            CloseOnLoop();
            return;
        }
        _disposeRequested = true;
        if (!_loop.Post(this)) CloseOnLoop(); // the loop is gone: nothing else will use the fd
    }

    internal void CloseOnLoop()
    {
        bool reset;
        lock (this)
        {
            if (_closed) return;
            _closed = true;
            reset = _resetOnClose;
        }
        _aborted = true;
        _handleOwner = null;
        _handle = null;
        _loop.Forget(this);
        if (reset || _resetOnClose || _sendPending)
        {
            long linger = 1; // struct linger { l_onoff = 1, l_linger = 0 }: close sends RST and discards the send queue
            LinuxNative.setsockopt(_fd, LinuxNative.SOL_SOCKET, LinuxNative.SO_LINGER, (int*)&linger, 8);
        }
        LinuxNative.close(_fd); // closing also removes it from the epoll set
        if (_receivePending) FailReceive(AbortedError());
        if (_sendPending) FailSend(AbortedError());
    }

    // ---- IValueTaskSource ----

    int IValueTaskSource<int>.GetResult(short token) => _receive.GetResult(token);
    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _receive.GetStatus(token);
    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _receive.OnCompleted(continuation, state, token, flags);

    void IValueTaskSource.GetResult(short token) => _send.GetResult(token);
    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _send.GetStatus(token);
    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _send.OnCompleted(continuation, state, token, flags);

    // ---- helpers ----

    private static SocketException AbortedError() => new((int)SocketError.OperationAborted);

    private static SocketException Error(int errno) => new((int)(errno switch
    {
        104 => SocketError.ConnectionReset,     // ECONNRESET
        32 => SocketError.Shutdown,             // EPIPE
        110 => SocketError.TimedOut,            // ETIMEDOUT
        LinuxNative.EBADF => SocketError.OperationAborted,
        _ => SocketError.SocketError,
    }));

    private string FormatAddress()
    {
        string port = _port.ToString(CultureInfo.InvariantCulture);
        if (_addressV6 is null)
        {
            uint a = _addressV4; // network order in memory: first byte is the first octet
            return string.Create(CultureInfo.InvariantCulture, $"{a & 0xFF}.{(a >> 8) & 0xFF}.{(a >> 16) & 0xFF}.{a >> 24}:{port}");
        }
        var address = new IPAddress(_addressV6);
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4() + ":" + port;
        return "[" + address + "]:" + port;
    }
}
