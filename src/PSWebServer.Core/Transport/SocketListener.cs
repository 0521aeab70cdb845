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

    private SocketListener(Socket socket, string addressText, string urlHost)
    {
        _socket = socket;
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

    public static SocketListener Bind(string address, int port)
    {
        IPAddress ip = ParseAddress(address, out bool dualMode);
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (dualMode) socket.DualMode = true;
            ApplyReusePolicy(socket);
            socket.NoDelay = true; // accepted sockets inherit it on Linux; set again per connection for other systems
            socket.Bind(new IPEndPoint(ip, port));
            socket.Listen(4096);
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

        string text = ip.ToString();
        string urlHost = ip.Equals(IPAddress.Any) ? "localhost"
            : ip.Equals(IPAddress.IPv6Any) ? "localhost"
            : ip.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + text + "]"
            : text;
        return new SocketListener(socket, text, urlHost);
    }

    /// <summary>The listening socket itself, for the epoll engine, which accepts from its descriptor.</summary>
    internal Socket Socket => _socket;

    public ValueTask<Socket> AcceptAsync() => _socket.AcceptAsync(System.Threading.CancellationToken.None);

    public void Dispose() => _socket.Dispose();

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
