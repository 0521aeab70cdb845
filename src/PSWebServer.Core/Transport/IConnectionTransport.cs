using System;
using System.IO;
using System.Threading.Tasks;

namespace PSWebServer.Transport;

/// <summary>
/// What an HTTP connection needs from its byte stream. A socket in the server; an in-memory pipe in tests,
/// so the connection loop can be driven without a network.
/// </summary>
internal interface IConnectionTransport : IDisposable
{
    /// <summary>The peer as "address:port", made once per connection.</summary>
    string RemoteAddress { get; }

    /// <summary>Reads what has arrived into <paramref name="buffer"/>; 0 means the peer closed its side.</summary>
    ValueTask<int> ReceiveAsync(Memory<byte> buffer);

    /// <summary>Sends all of <paramref name="data"/>.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> data);

    /// <summary>
    /// Sends <paramref name="first"/> then <paramref name="second"/> as if they were one buffer: a response head and a
    /// body held elsewhere (a cached file's bytes), in one system call where the OS has gather writes.
    /// </summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second);

    /// <summary>
    /// Sends the connection's last bytes: the close (or <see cref="ShutdownSend"/>) comes next and nothing else is sent.
    /// Where the OS lets it (MSG_MORE on Linux) the bytes wait in the kernel for that FIN and leave in one segment with
    /// it: one packet fewer for every Connection: close response, on both ends. Elsewhere a plain send.
    /// </summary>
    ValueTask SendLastAsync(ReadOnlyMemory<byte> data) => SendAsync(data);

    /// <summary>
    /// Ends the stream above the socket before the close that follows, which the caller makes: TLS sends close_notify
    /// (RFC 8446 §6.1: each side sends it before it closes, so the peer can tell the end of the response from a cut
    /// connection); a plain socket has nothing to add, its FIN is the end. Never fails: a peer already gone is told nothing.
    /// </summary>
    ValueTask EndStreamAsync() => default;

    /// <summary>Sends <paramref name="count"/> bytes of a file from <paramref name="offset"/>, by sendfile where the OS has it.</summary>
    ValueTask SendFileAsync(FileStream file, long offset, long count);

    /// <summary>
    /// Asks the OS to report room for more data as soon as fewer than <paramref name="bytes"/> are waiting unsent
    /// (TCP_NOTSENT_LOWAT on Linux; nothing elsewhere). Without it, a send buffer grown to megabytes reports room
    /// only after a large part has drained, so a slow but steady reader looks stalled to the send timeout.
    /// Asking again for the limit already set costs no system call, so a connection asks before each file it sends.
    /// </summary>
    void LimitUnsentBytes(int bytes);

    /// <summary>Tells the peer no more bytes will come (a FIN), while still letting its bytes be read.</summary>
    void ShutdownSend();

    /// <summary>Ends the connection at once, failing any pending operation (timeouts, stop).</summary>
    void Abort();

    /// <summary>
    /// Ends the connection with a reset (RST, not FIN: SO_LINGER 0, then close), dropping anything unsent, so the peer
    /// sees "connection reset by peer". Only for a fault a test asks for (<c>ResponseFault.Reset</c>); a wrapping
    /// transport (TLS) resets the socket it wraps. Dispose after it does nothing more.
    /// </summary>
    void Reset();
}
