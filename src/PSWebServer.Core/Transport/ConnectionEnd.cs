using System;
using System.IO;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace PSWebServer.Transport;

/// <summary>
/// How every connection kind (HTTP/1.1, HTTP/2, the TLS handshake) ends: which errors mean the peer left or the
/// connection was aborted, and the lingering close after a refusal. Closing with unread bytes in the receive queue
/// makes the OS send a reset, which can destroy the answer before the client reads it; so after the FIN the client's
/// bytes are read and dropped for a moment, bounded in time (the caller's deadline, <see cref="LingerTime"/>) and in bytes.
/// </summary>
internal static class ConnectionEnd
{
    /// <summary>How long a lingering close waits for the client's FIN; the caller sets it as its deadline.</summary>
    public static readonly TimeSpan LingerTime = TimeSpan.FromSeconds(2);

    /// <summary>At most this much of what the client still sends is read and dropped.</summary>
    public const int LingerBytes = 64 * 1024;

    /// <summary>The peer closed or reset, or the connection was aborted (a deadline, stop): an end, not a fault.</summary>
    public static bool IsDisconnect(Exception ex) =>
        ex is SocketException or ObjectDisposedException or IOException or OperationCanceledException;

    /// <summary>After the FIN: reads and drops into <paramref name="scratch"/> until the client's FIN or <see cref="LingerBytes"/>.</summary>
    public static async ValueTask DrainAsync(IConnectionTransport transport, Memory<byte> scratch)
    {
        int drained = 0;
        while (drained < LingerBytes)
        {
            int n = await transport.ReceiveAsync(scratch).ConfigureAwait(false);
            if (n == 0) break;
            drained += n;
        }
    }
}
