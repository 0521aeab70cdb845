using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using PSWebServer.Transport;

namespace PSWebServer.Tests.Support;

/// <summary>Reads an option of the server's side of a connection, found in this process's descriptors by its peer.</summary>
internal static class ServerSocketOptions
{
    /// <summary>TCP_NOTSENT_LOWAT of the server's socket whose peer is 127.0.0.1:<paramref name="clientPort"/> (Linux only).</summary>
    public static int UnsentLimit(int clientPort)
    {
        foreach (string entry in Directory.GetFiles("/proc/self/fd"))
        {
            string? target = new FileInfo(entry).LinkTarget;
            if (target is null || !target.StartsWith("socket:", StringComparison.Ordinal)) continue;
            if (!int.TryParse(Path.GetFileName(entry), out int fd)) continue;
            try
            {
                // not owned: disposing this view leaves the server's descriptor open
                using var view = new Socket(new SafeSocketHandle((IntPtr)fd, ownsHandle: false));
                if (view.ProtocolType != ProtocolType.Tcp || view.RemoteEndPoint is not IPEndPoint peer
                    || peer.Port != clientPort || !IPAddress.IsLoopback(peer.Address)) continue;
                var value = new byte[4];
                view.GetRawSocketOption(LinuxNative.IPPROTO_TCP, LinuxNative.TCP_NOTSENT_LOWAT, value);
                return BitConverter.ToInt32(value);
            }
            catch (SocketException)
            {
                // a listener, a socket of another kind, or one closed meanwhile
            }
        }
        throw new InvalidOperationException("no server socket has 127.0.0.1:" + clientPort + " as its peer");
    }
}
