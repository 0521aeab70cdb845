using System;

namespace PSWebServer;

/// <summary>
/// One completed request, as the log hands it out. Immutable and made only of simple types,
/// so it survives Export-Clixml, ConvertTo-Json and remoting. Built when read, never on the serving path.
/// </summary>
public sealed class ServerRequest
{
    public ServerRequest(
        long id, DateTime timestamp, string serverName, string clientAddress, string method, string path,
        string query, string protocol, int statusCode, long bytesSent, TimeSpan duration, string userAgent,
        string referer, string range, string contentEncoding, string tlsProtocol = "")
    {
        Id = id;
        Timestamp = timestamp;
        ServerName = serverName;
        ClientAddress = clientAddress;
        Method = method;
        Path = path;
        Query = query;
        Protocol = protocol;
        StatusCode = statusCode;
        BytesSent = bytesSent;
        Duration = duration;
        UserAgent = userAgent;
        Referer = referer;
        Range = range;
        ContentEncoding = contentEncoding;
        TlsProtocol = tlsProtocol;
    }

    /// <summary>Sequence number within its server, from 1.</summary>
    public long Id { get; }
    /// <summary>When the request head was complete, local time.</summary>
    public DateTime Timestamp { get; }
    public string ServerName { get; }
    /// <summary>The client's IP address and port.</summary>
    public string ClientAddress { get; }
    public string Method { get; }
    /// <summary>The request path, percent-decoded (invalid encodings are left as sent).</summary>
    public string Path { get; }
    /// <summary>The query string without its '?', as sent; empty when there is none.</summary>
    public string Query { get; }
    /// <summary>HTTP/1.0 or HTTP/1.1; empty when the request line could not be read.</summary>
    public string Protocol { get; }
    public int StatusCode { get; }
    /// <summary>Bytes written for this response, head and body.</summary>
    public long BytesSent { get; }
    /// <summary>From a complete request head to the last byte of the response handed to the OS.</summary>
    public TimeSpan Duration { get; }
    public string UserAgent { get; }
    public string Referer { get; }
    /// <summary>The Range header as sent; empty when there was none.</summary>
    public string Range { get; }
    /// <summary>Content-Encoding of the body sent (gzip, br), empty for identity.</summary>
    public string ContentEncoding { get; }
    /// <summary>The TLS version of an HTTPS request ("TLSv1.2", "TLSv1.3"); empty on plain HTTP.</summary>
    public string TlsProtocol { get; }

    public override string ToString() => Method + " " + Path + " " + StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
