using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace PSWebServer.Transport;

/// <summary>
/// One dedicated thread with its own epoll set. It accepts from its own listening socket (SO_REUSEPORT: the kernel
/// spreads new connections over the loops' sockets by their addresses), or where there is one socket for all, from that
/// one (EPOLLEXCLUSIVE, so one idle loop is woken per new connection); it owns the connections it accepted, and completes their parked operations;
/// their continuations run right here. Other threads reach it only through <see cref="Post"/> (an eventfd wakes it).
/// Nothing escapes the thread: a connection's fault is reported and the loop goes on; a fault of the loop itself is
/// handed to the engine, which faults the server.
/// </summary>
internal sealed unsafe class EpollEventLoop
{
    private const int MaxEvents = 256;
    private const int AcceptBatch = 64;
    // How long one round may spend taking new connections (each one's first request, or its TLS handshake, runs inline
    // at the accept) before it serves the connections already here again: a burst of new TLS clients, each handshake
    // about 0.3 ms of CPU, would otherwise hold every ready request behind up to 64 of them (about 20 ms).
    private static readonly long AcceptSliceTicks = Stopwatch.Frequency / 4000; // 0.25 ms
    private const ulong ListenerToken = ulong.MaxValue;
    private const ulong WakeToken = ulong.MaxValue - 1;
    private const int AcceptPauseMilliseconds = 100;
    private const int CapacityPollMilliseconds = 20;

    private readonly EpollEngine _engine;
    private readonly int _epollFd;
    private readonly int _wakeFd;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<EpollTransport> _posted = new();
    private readonly ConcurrentQueue<Action> _commands = new();
    private readonly List<EpollTransport> _deferred = new();
    private readonly List<EpollTransport> _deferredRunning = new();
    private EpollTransport?[] _slots = new EpollTransport?[64];
    private readonly Stack<int> _freeSlots = new();
    private int _slotsUsed;
    private uint _generation;
    private int _listenFd = -1;
    private uint _listenEvents;
    private long _acceptResumeAt; // Environment.TickCount64; 0 while accepting
    private bool _pausedForCapacity;
    private int _threadId;
    private volatile bool _stopRequested;
    private volatile bool _exited;
    private readonly object _wakeLock = new();
    private bool _wakeClosed; // guarded by _wakeLock: the eventfd number is never written after it is closed

    private EpollEventLoop(EpollEngine engine, int epollFd, int wakeFd, string name)
    {
        _engine = engine;
        _epollFd = epollFd;
        _wakeFd = wakeFd;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
    }

    /// <summary>Creates the epoll set and wake eventfd; throws when the system refuses (the engine then falls back).</summary>
    public static EpollEventLoop Create(EpollEngine engine, string name)
    {
        int epollFd = LinuxNative.epoll_create1(LinuxNative.EPOLL_CLOEXEC);
        if (epollFd < 0) throw new InvalidOperationException("epoll_create1 failed: errno " + LinuxNative.Errno);
        int wakeFd = LinuxNative.eventfd(0, LinuxNative.EFD_NONBLOCK | LinuxNative.EFD_CLOEXEC);
        if (wakeFd < 0)
        {
            int errno = LinuxNative.Errno;
            LinuxNative.close(epollFd);
            throw new InvalidOperationException("eventfd failed: errno " + errno);
        }
        if (LinuxNative.EpollControl(epollFd, LinuxNative.EPOLL_CTL_ADD, wakeFd, LinuxNative.EPOLLIN, WakeToken) != 0)
        {
            int errno = LinuxNative.Errno;
            LinuxNative.close(wakeFd);
            LinuxNative.close(epollFd);
            throw new InvalidOperationException("epoll_ctl(eventfd) failed: errno " + errno);
        }
        return new EpollEventLoop(engine, epollFd, wakeFd, name);
    }

    public bool IsLoopThread => Environment.CurrentManagedThreadId == _threadId;

    public bool Exited => _exited;

    /// <summary>Adds the listening socket to this loop's set (before the thread starts). Throws when epoll refuses it.</summary>
    public void AddListener(int listenFd)
    {
        uint events = LinuxNative.EPOLLIN | LinuxNative.EPOLLEXCLUSIVE;
        if (LinuxNative.EpollControl(_epollFd, LinuxNative.EPOLL_CTL_ADD, listenFd, events, ListenerToken) != 0)
        {
            // kernels before 4.5 have no EPOLLEXCLUSIVE: every loop wakes, one wins, the others see EAGAIN
            events = LinuxNative.EPOLLIN;
            if (LinuxNative.EpollControl(_epollFd, LinuxNative.EPOLL_CTL_ADD, listenFd, events, ListenerToken) != 0)
                throw new InvalidOperationException("epoll_ctl(listener) failed: errno " + LinuxNative.Errno);
        }
        _listenFd = listenFd;
        _listenEvents = events;
    }

    public void Start()
    {
        _thread.Start();
    }

    /// <summary>Any thread: asks the loop to run a connection's handed-over work. False when the loop has ended.</summary>
    public bool Post(EpollTransport transport)
    {
        if (_exited) return false;
        _posted.Enqueue(transport);
        Wake();
        return true;
    }

    /// <summary>Any thread: runs <paramref name="command"/> on the loop. False when the loop has ended.</summary>
    public bool Post(Action command)
    {
        if (_exited) return false;
        _commands.Enqueue(command);
        Wake();
        return true;
    }

    /// <summary>Any thread: stop after this round; connections still open are aborted and closed by the loop.</summary>
    public void RequestStop()
    {
        _stopRequested = true;
        Wake();
    }

    public bool Join(TimeSpan timeout) => !_thread.IsAlive || _thread.Join(timeout);

    private void Wake()
    {
        ulong one = 1;
        lock (_wakeLock)
        {
            if (!_wakeClosed) LinuxNative.write(_wakeFd, (byte*)&one, 8); // EAGAIN only when the counter is full, i.e. already signalled
        }
    }

    /// <summary>Loop thread: a connection out of receive budget is retried after the current batch of events.</summary>
    public void Defer(EpollTransport transport)
    {
        if (transport.Deferred) return;
        transport.Deferred = true;
        _deferred.Add(transport);
    }

    /// <summary>Loop thread: takes the listener out of the set, so the socket can be closed without a loop touching it.</summary>
    public void StopAccepting()
    {
        if (_listenFd < 0) return;
        if (_acceptResumeAt == 0) LinuxNative.EpollControl(_epollFd, LinuxNative.EPOLL_CTL_DEL, _listenFd, 0, 0);
        _listenFd = -1;
        _acceptResumeAt = 0;
    }

    /// <summary>Loop thread: the slot of a connection that is closing. Tolerates a loop that has already ended.</summary>
    public void Forget(EpollTransport transport)
    {
        int slot = transport.Slot;
        if (slot >= 0 && slot < _slots.Length && ReferenceEquals(_slots[slot], transport))
        {
            _slots[slot] = null;
            _freeSlots.Push(slot);
        }
        transport.Slot = -1;
        if (_pausedForCapacity) _acceptResumeAt = 1; // a place is free: look at the backlog on the next turn
    }

    private void Run()
    {
        _threadId = Environment.CurrentManagedThreadId;
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * LinuxNative.EpollEventSize));
        try
        {
            while (!_stopRequested)
            {
                int timeout = _deferred.Count > 0 ? 0 : -1;
                if (_acceptResumeAt != 0)
                {
                    long wait = _acceptResumeAt - Environment.TickCount64;
                    if (wait <= 0) ResumeAccepting();
                    else if (timeout < 0) timeout = (int)wait;
                }

                int n = LinuxNative.epoll_wait(_epollFd, events, MaxEvents, timeout);
                if (n < 0)
                {
                    int errno = LinuxNative.Errno;
                    if (errno == LinuxNative.EINTR) continue;
                    throw new InvalidOperationException("epoll_wait failed: errno " + errno);
                }

                bool listenerReady = false;
                for (int i = 0; i < n; i++)
                {
                    byte* ev = events + i * LinuxNative.EpollEventSize;
                    uint flags = *(uint*)ev;
                    ulong token = Unsafe.ReadUnaligned<ulong>(ev + LinuxNative.EpollDataOffset);
                    // New clients after the round's other events: those connections' requests are cheaper than handshakes.
                    if (token == ListenerToken) listenerReady = true;
                    else Dispatch(token, flags);
                }
                if (listenerReady) AcceptAfterRound();

                if (_deferred.Count > 0) RunDeferred();
            }
        }
        catch (Exception ex)
        {
            _engine.LoopFailed(ex);
        }
        finally
        {
            Shutdown();
            NativeMemory.Free(events);
        }
    }

    private void Dispatch(ulong token, uint flags)
    {
        try
        {
            if (token == WakeToken)
            {
                DrainWake();
                return;
            }
            int slot = (int)(uint)token;
            EpollTransport? transport = slot < _slots.Length ? _slots[slot] : null;
            if (transport is null || transport.Token != token) return; // closed earlier in this batch
            transport.OnEvents(flags);
        }
        catch (Exception ex)
        {
            _engine.Report(ex);
        }
    }

    private void DrainWake()
    {
        ulong value;
        LinuxNative.read(_wakeFd, (byte*)&value, 8);
        while (_commands.TryDequeue(out Action? command))
        {
            try
            {
                command();
            }
            catch (Exception ex)
            {
                _engine.Report(ex);
            }
        }
        while (_posted.TryDequeue(out EpollTransport? transport))
        {
            try
            {
                transport.OnPosted();
            }
            catch (Exception ex)
            {
                _engine.Report(ex);
            }
        }
    }

    private void RunDeferred()
    {
        _deferredRunning.AddRange(_deferred);
        _deferred.Clear();
        foreach (EpollTransport transport in _deferredRunning)
        {
            transport.Deferred = false;
            if (transport.Closed) continue;
            try
            {
                transport.OnEvents(LinuxNative.EPOLLIN);
            }
            catch (Exception ex)
            {
                _engine.Report(ex);
            }
        }
        _deferredRunning.Clear();
    }

    private void AcceptAfterRound()
    {
        try
        {
            AcceptNow();
        }
        catch (Exception ex)
        {
            _engine.Report(ex); // as for any event: a client's fault is reported and the loop goes on
        }
    }

    /// <summary>
    /// Accepts and starts clients until the backlog is empty, <see cref="AcceptBatch"/> were taken, or
    /// <see cref="AcceptSliceTicks"/> went by; the listener is level-triggered, so the next round takes the rest.
    /// </summary>
    private void AcceptNow()
    {
        if (_listenFd < 0) return;
        byte* address = stackalloc byte[128];
        long started = Stopwatch.GetTimestamp();
        for (int i = 0; i < AcceptBatch; i++)
        {
            if (i > 0 && Stopwatch.GetTimestamp() - started > AcceptSliceTicks) return;
            if (!_engine.HasCapacity())
            {
                // At MaxConnections: leave further clients in the listen backlog until a connection ends.
                PauseAccepting(CapacityPollMilliseconds);
                _pausedForCapacity = true;
                return;
            }
            uint length = 128;
            int fd = LinuxNative.accept4(_listenFd, address, &length, LinuxNative.SOCK_NONBLOCK | LinuxNative.SOCK_CLOEXEC);
            if (fd < 0)
            {
                int errno = LinuxNative.Errno;
                switch (errno)
                {
                    case LinuxNative.EAGAIN:
                        return;
                    case LinuxNative.EINTR or LinuxNative.ECONNABORTED or LinuxNative.EPROTO or LinuxNative.EPERM
                        or LinuxNative.ENONET or LinuxNative.ENOPROTOOPT or LinuxNative.EOPNOTSUPP or LinuxNative.ENETDOWN
                        or LinuxNative.ENETUNREACH or LinuxNative.EHOSTDOWN or LinuxNative.EHOSTUNREACH:
                        continue; // this client gave up, or its network failed, before we took it
                    case LinuxNative.EMFILE or LinuxNative.ENFILE or LinuxNative.ENOBUFS or LinuxNative.ENOMEM:
                        PauseAccepting(AcceptPauseMilliseconds); // out of descriptors or memory for a moment: retry soon rather than spin
                        return;
                    case LinuxNative.EBADF or LinuxNative.EINVAL or LinuxNative.ENOTSOCK:
                        StopAccepting(); // the listener was closed: the server is stopping
                        return;
                    default:
                        // Anything else leaves the server unable to accept: say so (State Faulted, LastError) rather than go deaf.
                        StopAccepting();
                        _engine.LoopFailed(new System.Net.Sockets.SocketException(errno));
                        return;
                }
            }

            if (!_engine.TryReserve())
            {
                LinuxNative.close(fd);
                continue;
            }
            if (!_engine.ListenerHasNoDelay)
            {
                int one = 1; // Linux copies TCP_NODELAY from the listener to accepted sockets; set it only when it was not there
                LinuxNative.setsockopt(fd, LinuxNative.IPPROTO_TCP, LinuxNative.TCP_NODELAY, &one, sizeof(int));
            }
            EpollTransport transport = CreateTransport(fd, address, length);
            Register(transport); // into epoll only when it first waits (EpollTransport.Arm): a request already here and a close need none
            transport.StartBudget();
            _engine.StartConnection(transport);
        }
    }

    private EpollTransport CreateTransport(int fd, byte* address, uint length)
    {
        ushort family = *(ushort*)address;
        int port = (address[2] << 8) | address[3];
        if (family == LinuxNative.AF_INET6 && length >= 24)
        {
            return new EpollTransport(this, fd, 0, new ReadOnlySpan<byte>(address + 8, 16).ToArray(), port);
        }
        uint v4 = family == LinuxNative.AF_INET ? *(uint*)(address + 4) : 0;
        return new EpollTransport(this, fd, v4, null, port);
    }

    private void Register(EpollTransport transport)
    {
        int slot;
        if (_freeSlots.Count > 0)
        {
            slot = _freeSlots.Pop();
        }
        else
        {
            if (_slotsUsed == _slots.Length) Array.Resize(ref _slots, _slots.Length * 2);
            slot = _slotsUsed++;
        }
        ulong token = ((ulong)++_generation << 32) | (uint)slot;
        _slots[slot] = transport;
        transport.Slot = slot;
        transport.Token = token;
    }

    /// <summary>
    /// Loop thread: adds a connection to the epoll set, the first time one of its operations must wait. Edge-triggered,
    /// and the add itself reports what is ready already, so nothing that arrived before it is missed. False (reported)
    /// when epoll refuses: the caller fails the operation.
    /// </summary>
    public bool Arm(EpollTransport transport)
    {
        const uint events = LinuxNative.EPOLLIN | LinuxNative.EPOLLOUT | LinuxNative.EPOLLRDHUP | LinuxNative.EPOLLET;
        if (LinuxNative.EpollControl(_epollFd, LinuxNative.EPOLL_CTL_ADD, transport.Fd, events, transport.Token) == 0) return true;
        _engine.Report(new InvalidOperationException("epoll_ctl(connection) failed: errno " + LinuxNative.Errno));
        return false;
    }

    private void PauseAccepting(int milliseconds)
    {
        if (_acceptResumeAt != 0 || _listenFd < 0) return;
        LinuxNative.EpollControl(_epollFd, LinuxNative.EPOLL_CTL_DEL, _listenFd, 0, 0);
        _acceptResumeAt = Math.Max(1, Environment.TickCount64 + milliseconds);
    }

    private void ResumeAccepting()
    {
        _acceptResumeAt = 0;
        _pausedForCapacity = false;
        if (_listenFd < 0) return;
        if (LinuxNative.EpollControl(_epollFd, LinuxNative.EPOLL_CTL_ADD, _listenFd, _listenEvents, ListenerToken) != 0)
            _listenFd = -1; // the listener was closed meanwhile
    }

    /// <summary>On the way out: fail every parked operation (the connections' code ends and closes them), then close the rest.</summary>
    private void Shutdown()
    {
        try
        {
            StopAccepting();
            for (int round = 0; round < 3; round++)
            {
                DrainWake();
                for (int i = 0; i < _slots.Length; i++)
                {
                    EpollTransport? transport = _slots[i];
                    if (transport is null) continue;
                    try
                    {
                        transport.AbortOnLoop();
                    }
                    catch (Exception ex)
                    {
                        _engine.Report(ex);
                    }
                }
            }
            for (int i = 0; i < _slots.Length; i++)
            {
                _slots[i]?.CloseOnLoop();
            }
        }
        catch (Exception ex)
        {
            _engine.Report(ex);
        }
        _exited = true;
        while (_commands.TryDequeue(out Action? late))
        {
            try
            {
                late();
            }
            catch (Exception)
            {
            }
        }
        // anything handed over while we were closing: nothing will use these fds now
        while (_posted.TryDequeue(out EpollTransport? transport))
        {
            try
            {
                if (!transport.Closed) transport.CloseOnLoop();
            }
            catch (Exception)
            {
            }
        }
        lock (_wakeLock)
        {
            _wakeClosed = true;
            LinuxNative.close(_wakeFd);
        }
        LinuxNative.close(_epollFd);
    }
}
