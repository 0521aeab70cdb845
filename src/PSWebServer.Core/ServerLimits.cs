using System;

namespace PSWebServer;

/// <summary>
/// Bounds that keep one client from costing the server more than its share.
/// The defaults follow common servers: 8 KiB request line (414 above), 32 KiB / 100 header fields (431 above).
/// </summary>
public sealed class ServerLimits
{
    /// <summary>Longest request line, without its CRLF. Longer → 414.</summary>
    public int MaxRequestLineBytes { get; init; } = 8 * 1024;

    /// <summary>Largest header section (all field lines, without the request line). Larger → 431.</summary>
    public int MaxHeaderBytes { get; init; } = 32 * 1024;

    /// <summary>Most header field lines in one request. More → 431.</summary>
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>Time a client has to send a whole request head once it has started one (slowloris).</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// HTTPS: time a client has from its accept to the end of its TLS handshake. A client that connects and sends
    /// nothing, or half a ClientHello, is closed when it passes (on Linux a silent client is accepted about 1 s after
    /// it connects: TCP_DEFER_ACCEPT, SocketListener).
    /// </summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time an idle persistent connection is kept open waiting for its next request.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time a single send may make no progress before the client is dropped (slow readers).</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Largest request body, after chunked decoding. Every request body (any method, Content-Length or chunked) is read
    /// whole into memory before the handlers run, so this bounds what one connection can make the server hold. A
    /// Content-Length above it is answered 413 at once, without reading the body (and without 100 Continue); a chunked
    /// body is answered 413 as soon as its chunk sizes pass it. Both close the connection. The buffer grows with the bytes
    /// that arrive (at most twice them), so an announced length costs nothing until it is sent. 8 MiB: room for the JSON
    /// and form posts a script under test sends, small enough that a hundred uploads in flight stay under a GiB.
    /// </summary>
    public long MaxRequestBodyBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>
    /// Time a request body may go without a byte arriving (renewed by every receive that brings some, so a large body
    /// on a slow but steady link is not cut). Past it the client gets 408 and the connection is closed.
    /// </summary>
    public TimeSpan BodyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Most connections open at once; further clients wait in the listen backlog. Bounds the memory slow clients
    /// can hold (each may fill a request-head buffer of up to ~40 KiB) while leaving room for 10,000 idle ones.
    /// </summary>
    public int MaxConnections { get; init; } = 20_000;

    internal void Validate()
    {
        if (MaxRequestLineBytes < 64) throw new ArgumentOutOfRangeException(nameof(MaxRequestLineBytes));
        if (MaxHeaderBytes < 256) throw new ArgumentOutOfRangeException(nameof(MaxHeaderBytes));
        if (MaxHeaderCount < 1) throw new ArgumentOutOfRangeException(nameof(MaxHeaderCount));
        if (HeaderTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(HeaderTimeout));
        if (HandshakeTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(HandshakeTimeout));
        if (KeepAliveTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(KeepAliveTimeout));
        if (SendTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(SendTimeout));
        if (BodyTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(BodyTimeout));
        if (MaxRequestBodyBytes < 0 || MaxRequestBodyBytes > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(MaxRequestBodyBytes));
        if (MaxConnections < 1) throw new ArgumentOutOfRangeException(nameof(MaxConnections));
    }
}
