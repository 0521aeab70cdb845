using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks;

namespace PSWebServer.Transport;

/// <summary>
/// The listening socket: address parsing, the address-reuse policy, bind and listen, accept.
/// Every way binding can fail becomes one <see cref="ServerException"/> here, naming the address and port.
/// </summary>
internal sealed class SocketListener : IDisposable
{
    private readonly Socket _socket;
    private Socket[] _sockets;

    private SocketListener(Socket socket, Socket[] sockets, string addressText, string urlHost)
    {
        _socket = socket;
        _sockets = sockets;
        AddressText = addressText;
        UrlHost = urlHost;
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>The port actually bound (the OS's choice when 0 was asked for).</summary>
    public int Port { get; }
    /// <summary>The bound address as text: 127.0.0.1, 0.0.0.0, ::, …</summary>
    public string AddressText { get; }
    /// <summary>The host part of a URL a browser on this machine can use.</summary>
    public string UrlHost { get; }

    /// <summary>
    /// Binds and listens. <paramref name="acceptSockets"/> above 1 asks for that many listening sockets on the one port
    /// (SO_REUSEPORT, Linux), one per event loop, so the kernel spreads new connections over the loops and no two loops
    /// contend on one socket's queue; where the system refuses SO_REUSEPORT there is one socket, as with 1.
    /// </summary>
    public static SocketListener Bind(string address, int port, int acceptSockets = 1)
    {
        IPAddress ip = ParseAddress(address, out bool dualMode);
        bool shared = acceptSockets > 1 && OperatingSystem.IsLinux();
        // SO_REUSEPORT would let our bind join a port another program already listens on with SO_REUSEPORT too (same
        // user): a probe without it fails on any listener there, so "in use" stays "in use". Port 0 needs none: the
        // kernel never hands out a port that reuse-port sockets hold.
        if (shared && port != 0) Probe(ip, dualMode, port);
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (dualMode) socket.DualMode = true;
            ApplyReusePolicy(socket);
            if (shared) shared = TrySetReusePort(socket);
            BindAndListen(socket, new IPEndPoint(ip, port));
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw BindFailure(ex, ip, port);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        Socket[] sockets = shared ? BindSiblings(socket, ip, dualMode, acceptSockets) : new[] { socket };
        string text = ip.ToString();
        string urlHost = ip.Equals(IPAddress.Any) ? "localhost"
            : ip.Equals(IPAddress.IPv6Any) ? "localhost"
            : ip.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + text + "]"
            : text;
        return new SocketListener(socket, sockets, text, urlHost);
    }

    /// <summary>The first listening socket: the one the .NET socket engine accepts from.</summary>
    internal Socket Socket => _socket;

    /// <summary>Every listening socket on the port, the first one first: one per event loop, or the one socket they share.</summary>
    internal Socket[] Sockets => _sockets;

    /// <summary>Back to the first socket alone (the epoll engine could not start: .NET's engine accepts from one socket).</summary>
    internal void CloseSiblings()
    {
        Socket[] sockets = _sockets;
        _sockets = new[] { _socket };
        for (int i = 1; i < sockets.Length; i++) sockets[i].Dispose();
    }

    public ValueTask<Socket> AcceptAsync() => _socket.AcceptAsync(System.Threading.CancellationToken.None);

    public void Dispose()
    {
        foreach (Socket socket in _sockets) socket.Dispose();
        _socket.Dispose();
    }

    /// <summary>Binds a plain socket (no SO_REUSEPORT) on the port and closes it: throws the bind failure when anything listens there.</summary>
    private static void Probe(IPAddress ip, bool dualMode, int port)
    {
        using var probe = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (dualMode) probe.DualMode = true;
            ApplyReusePolicy(probe); // as the real bind: old connections in TIME_WAIT are no owner
            probe.Bind(new IPEndPoint(ip, port));
        }
        catch (SocketException ex)
        {
            throw BindFailure(ex, ip, port);
        }
    }

    private static bool TrySetReusePort(Socket socket)
    {
        try
        {
            socket.SetRawSocketOption(1, 15, BitConverter.GetBytes(1)); // SOL_SOCKET, SO_REUSEPORT (Linux 3.9)
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// The other loops' sockets, bound to the port the first one got. One that cannot be made ends the attempt: the
    /// loops then share the first socket, as they would without SO_REUSEPORT.
    /// </summary>
    private static Socket[] BindSiblings(Socket first, IPAddress ip, bool dualMode, int count)
    {
        var endpoint = new IPEndPoint(ip, ((IPEndPoint)first.LocalEndPoint!).Port);
        var sockets = new Socket[count];
        sockets[0] = first;
        for (int i = 1; i < count; i++)
        {
            var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (dualMode) socket.DualMode = true;
                ApplyReusePolicy(socket);
                if (!TrySetReusePort(socket)) throw new SocketException((int)SocketError.ProtocolOption);
                BindAndListen(socket, endpoint);
                sockets[i] = socket;
            }
            catch (SocketException)
            {
                socket.Dispose();
                for (int j = 1; j < i; j++) sockets[j].Dispose();
                return new[] { first };
            }
        }
        return sockets;
    }

    /// <summary>What every listening socket gets, the first and its SO_REUSEPORT siblings alike, then bind and listen.</summary>
    private static void BindAndListen(Socket socket, IPEndPoint endpoint)
    {
        socket.NoDelay = true; // accepted sockets inherit it on Linux; set again per connection for other systems
        DeferAccept(socket);
        socket.Bind(endpoint);
        socket.Listen(4096);
    }

    /// <summary>
    /// Linux: a connection is handed to accept only once its first bytes are there (TCP_DEFER_ACCEPT, 1 s), so the
    /// request is read at once: no receive that meets EAGAIN, no epoll registration and no wait before it. A
    /// Connection: close request costs 4 system calls instead of 8 (h2o sets the same; nginx's "listen … deferred").
    /// A client that connects and says nothing is accepted after the period anyway, on the SYN-ACK's retransmission
    /// (about 1 s; Linux 2.6.32 and later), and meets the idle timeout as before. One that connects, says nothing and
    /// meets a stopping server learns of it at its first send (a reset), as with any closed port. Best effort: a
    /// system that refuses the option accepts as soon as the handshake ends.
    /// </summary>
    private static void DeferAccept(Socket socket)
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            socket.SetRawSocketOption(LinuxNative.IPPROTO_TCP, LinuxNative.TCP_DEFER_ACCEPT, BitConverter.GetBytes(1));
        }
        catch (SocketException)
        {
            // not offered (a container's seccomp policy, an old kernel): connections are accepted as the handshake ends
        }
    }

    /// <summary>
    /// Restarting on a port whose old connections sit in TIME_WAIT must work (the tutorial's SO_REUSEADDR).
    /// On Linux and macOS that is SO_REUSEADDR alone, set raw: .NET's ReuseAddress option also sets SO_REUSEPORT,
    /// which would let a second server bind the same port silently. On Windows SO_REUSEADDR means port sharing,
    /// so there the socket takes the port exclusively instead.
    /// </summary>
    private static void ApplyReusePolicy(Socket socket)
    {
        if (OperatingSystem.IsWindows())
        {
            socket.ExclusiveAddressUse = true;
            return;
        }
        bool linux = OperatingSystem.IsLinux();
        int level = linux ? 1 : 0xFFFF;      // SOL_SOCKET
        int option = linux ? 2 : 0x0004;     // SO_REUSEADDR
        socket.SetRawSocketOption(level, option, BitConverter.GetBytes(1));
    }

    internal static IPAddress ParseAddress(string address, out bool dualMode)
    {
        dualMode = false;
        string text = (address ?? "").Trim();
        if (text.Length == 0 || text == "127.0.0.1") return IPAddress.Loopback;
        if (text == "*" || text == "0.0.0.0") return IPAddress.Any;
        if (text == "::" || text == "[::]")
        {
            dualMode = true;
            return IPAddress.IPv6Any;
        }
        if (string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase)) return IPAddress.Loopback;
        if (text.StartsWith('[') && text.EndsWith(']')) text = text[1..^1];
        if (IPAddress.TryParse(text, out IPAddress? ip)) return ip;
        throw new ServerException(ServerErrorKind.InvalidAddress,
            $"'{address}' is not an address to listen on. Use an IP address, 'localhost', '*' or '0.0.0.0' (all IPv4 interfaces), or '::' (all interfaces).");
    }

    private static ServerException BindFailure(SocketException ex, IPAddress ip, int port)
    {
        string where = (ip.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + ip + "]" : ip.ToString()) + ":" + port.ToString(CultureInfo.InvariantCulture);
        return ex.SocketErrorCode switch
        {
            SocketError.AddressAlreadyInUse => new ServerException(ServerErrorKind.AddressInUse,
                $"Port {port} is already in use on {ip}: another program is listening on {where}. Choose another -Port, or 0 for any free port.", ex),
            SocketError.AccessDenied => new ServerException(ServerErrorKind.AddressAccessDenied,
                $"Permission denied binding {where}. Ports below 1024 need elevated rights; choose a port from 1024 up, or 0 for any free port.", ex),
            SocketError.AddressNotAvailable => new ServerException(ServerErrorKind.AddressNotAvailable,
                $"Address {ip} is not an address of this machine, so {where} cannot be bound.", ex),
            _ => new ServerException(ServerErrorKind.AddressNotAvailable, $"Cannot listen on {where}: {ex.Message}", ex),
        };
    }
}
