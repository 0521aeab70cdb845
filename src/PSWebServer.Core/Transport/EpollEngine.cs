using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;

namespace PSWebServer.Transport;

/// <summary>
/// The Linux connection engine: one <see cref="EpollEventLoop"/> thread per processor, each accepting from the
/// listening socket and running its connections' code inline on readiness, so a request costs no thread-pool hop
/// (the effect of DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS, for our sockets only). <see cref="TryCreate"/> returns
/// null, with the reason, where it cannot run (not Linux, not 64-bit, libc or epoll refused); whether the server then
/// uses <see cref="SocketTransport"/> and .NET's socket engine or refuses to start is the server's choice, by its options.
/// </summary>
internal sealed class EpollEngine : IDisposable
{
    private readonly Func<bool> _tryReserve;
    private readonly Func<bool> _hasCapacity;
    private readonly Action<EpollTransport> _start;
    private readonly Action<Exception> _report;
    private readonly Action<Exception> _fault;
    private EpollEventLoop[] _loops = Array.Empty<EpollEventLoop>();
    private int _acceptingStopped;
    private int _disposed;

    private EpollEngine(Func<bool> tryReserve, Func<bool> hasCapacity, Action<EpollTransport> start, Action<Exception> report, Action<Exception> fault)
    {
        _tryReserve = tryReserve;
        _hasCapacity = hasCapacity;
        _start = start;
        _report = report;
        _fault = fault;
    }

    public int LoopCount => _loops.Length;

    /// <summary>The listener has TCP_NODELAY, which accepted sockets inherit on Linux: no setsockopt per connection.</summary>
    internal bool ListenerHasNoDelay { get; private set; }

    /// <summary>Why this system cannot run the engine at all; null where it may (its setup can still fail, see <see cref="TryCreate"/>).</summary>
    public static string? UnsupportedReason =>
        !OperatingSystem.IsLinux() ? "epoll exists only on Linux; this system is " + RuntimeInformation.OSDescription + "."
        : !Environment.Is64BitProcess ? "the epoll engine's native calls are written for a 64-bit process; this one is 32-bit."
        : null;

    public static bool IsSupported => UnsupportedReason is null;

    /// <summary>
    /// How many listening sockets to bind for this engine: one per loop (SO_REUSEPORT; the kernel spreads new connections
    /// over them), or 1 where the engine cannot run or there is one loop.
    /// </summary>
    public static int ListenerSocketCount => IsSupported ? Math.Max(1, Environment.ProcessorCount) : 1;

    /// <summary>
    /// Starts the loops on <paramref name="listener"/>, or returns null with the <paramref name="reason"/> when this system
    /// cannot run them; the listener is then left as it was. <paramref name="setupFault"/> is for tests: it runs inside the
    /// setup, once the loops exist, and what it throws is handled as a refused epoll call would be.
    /// </summary>
    public static EpollEngine? TryCreate(SocketListener listener, string name, Func<bool> tryReserve, Func<bool> hasCapacity, Action<EpollTransport> start,
        Action<Exception> report, Action<Exception> fault, out Exception? reason, Action? setupFault = null)
    {
        reason = null;
        if (UnsupportedReason is string unsupported)
        {
            reason = new PlatformNotSupportedException(unsupported);
            return null;
        }
        var engine = new EpollEngine(tryReserve, hasCapacity, start, report, fault);
        try
        {
            int count = Math.Max(1, Environment.ProcessorCount);
            // One listening socket per loop when the listener has them (SO_REUSEPORT): each loop accepts from its own
            // queue, with no lock shared between loops. Otherwise every loop waits on the one socket (EPOLLEXCLUSIVE).
            Socket[] sockets = listener.Sockets;
            if (sockets.Length != count && sockets.Length != 1)
            {
                listener.CloseSiblings();
                sockets = listener.Sockets;
            }
            engine.ListenerHasNoDelay = listener.Socket.NoDelay;
            foreach (Socket socket in sockets) socket.Blocking = false;
            var loops = new EpollEventLoop[count];
            try
            {
                for (int i = 0; i < count; i++)
                {
                    loops[i] = EpollEventLoop.Create(engine, $"PSWS epoll {i} {name}"); // the OS shows the first 15 characters
                    loops[i].AddListener((int)sockets[sockets.Length == 1 ? 0 : i].SafeHandle.DangerousGetHandle());
                }
                setupFault?.Invoke();
            }
            catch
            {
                foreach (EpollEventLoop? loop in loops)
                {
                    if (loop is null) continue;
                    loop.RequestStop();
                    loop.Start(); // runs its shutdown at once: closes its epoll and eventfd
                }
                throw;
            }
            engine._loops = loops;
            foreach (EpollEventLoop loop in loops) loop.Start();
            return engine;
        }
        catch (Exception ex) // DllNotFoundException, EntryPointNotFoundException, an errno: the caller falls back or refuses
        {
            reason = ex;
            try
            {
                // .NET's engine accepts from the first socket only: the others must go, or the kernel would keep
                // handing them connections nobody accepts
                listener.CloseSiblings();
                listener.Socket.Blocking = true;
            }
            catch (Exception)
            {
            }
            return null;
        }
    }

    internal bool TryReserve() => _tryReserve();

    /// <summary>False at MaxConnections: the loops then leave new clients waiting in the listen backlog.</summary>
    internal bool HasCapacity() => _hasCapacity();

    internal void StartConnection(EpollTransport transport) => _start(transport);

    internal void Report(Exception error) => _report(error);

    internal void LoopFailed(Exception error)
    {
        if (Volatile.Read(ref _disposed) != 0) return;
        _fault(error);
    }

    /// <summary>
    /// Takes the listening socket out of every loop and waits (bounded) until they have, so the caller can close it
    /// without a loop calling accept on a descriptor number that may already belong to something else.
    /// </summary>
    public void StopAccepting(TimeSpan wait)
    {
        if (Interlocked.Exchange(ref _acceptingStopped, 1) != 0) return;
        var done = new CountdownEvent(_loops.Length);
        foreach (EpollEventLoop loop in _loops)
        {
            EpollEventLoop target = loop;
            bool posted = loop.Post(() =>
            {
                target.StopAccepting();
                done.Signal();
            });
            if (!posted) done.Signal();
        }
        // A loop busy for longer than that: closing the socket is still safe for epoll (a closed descriptor leaves the set).
        // The event is then left undisposed, since that loop will still signal it.
        if (done.Wait(wait)) done.Dispose();
    }

    /// <summary>Stops the loops: connections still open are aborted and closed on their loop. Waits a bounded time.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (EpollEventLoop loop in _loops) loop.RequestStop();
        foreach (EpollEventLoop loop in _loops)
        {
            if (!loop.IsLoopThread) loop.Join(TimeSpan.FromSeconds(2));
        }
    }
}
