using System;
using System.Collections.Generic;

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
        string referer, string range, string contentEncoding)
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

    /// <summary>
    /// The request's header fields by name, ignoring case; a repeated field's values joined by ", ". Up to 8 KiB of
    /// field lines are kept, whole lines only; empty for a request refused before its head was read.
    /// </summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = EmptyHeaders;

    /// <summary>The request body as UTF-8 text, up to the capture limit (64 KiB by default); empty when there was none.</summary>
    public string Body { get; init; } = "";

    /// <summary>The whole body's length in bytes (after chunked decoding), kept or not.</summary>
    public long BodyLength { get; init; }

    /// <summary>Whether <see cref="Body"/> holds less than the whole body (the capture limit, or the log's memory budget).</summary>
    public bool BodyTruncated { get; init; }

    /// <summary>Which canned response answered; empty when the files (or the server itself) did.</summary>
    public string AnsweredBy { get; init; } = "";

    /// <summary>The deliberate fault committed instead of a normal answer (Reset, CloseWithoutResponse, CloseMidBody, MalformedStatusLine); empty for none.</summary>
    public string Fault { get; init; } = "";

    private static readonly IReadOnlyDictionary<string, string> EmptyHeaders =
        new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));

    public override string ToString() => Method + " " + Path + " " + StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
