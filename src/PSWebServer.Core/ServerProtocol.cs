namespace PSWebServer;

/// <summary>
/// Which HTTP versions a server speaks (<see cref="StaticServerOptions.Protocol"/>, Start-StaticServer -Protocol).
/// The names are API: scripts pass them as text.
/// </summary>
public enum ServerProtocol
{
    /// <summary>
    /// HTTP/1.1 and HTTP/2. Over HTTPS, ALPN offers h2 then http/1.1 and the client chooses; in cleartext a connection
    /// that opens with the HTTP/2 preface speaks h2c (prior knowledge, RFC 9113 §3.3), any other HTTP/1.1.
    /// </summary>
    Auto,

    /// <summary>HTTP/1.1 (and 1.0) only: no h2 in ALPN; a cleartext HTTP/2 preface is answered as a bad HTTP/1.1 request.</summary>
    Http1,

    /// <summary>HTTP/2 only: ALPN offers h2 alone; a client that speaks HTTP/1.1 gets 505 HTTP Version Not Supported.</summary>
    Http2,
}
