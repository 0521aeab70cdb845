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
    /// HTTPS: time a client has from connecting to the end of its TLS handshake. A client that connects and sends
    /// nothing, or half a ClientHello, is closed when it passes.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time an idle persistent connection is kept open waiting for its next request.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time a single send may make no progress before the client is dropped (slow readers).</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest request body read and thrown away on GET/HEAD; a larger one closes the connection after the response.</summary>
    public long MaxDiscardedBodyBytes { get; init; } = 64 * 1024;

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
        if (MaxConnections < 1) throw new ArgumentOutOfRangeException(nameof(MaxConnections));
    }
}
