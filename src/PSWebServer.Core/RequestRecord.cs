using System;
using PSWebServer.Http;

namespace PSWebServer;

/// <summary>
/// One completed request as a connection hands it to <see cref="RequestLog.Record"/> (and the log to the access-log
/// queue): spans over the connection's own buffers, valid only during the call, so nothing is copied twice and nothing
/// is allocated. Filled by name (an object initializer), so a new field is added here and where it is read, never to a
/// parameter list. Absent spans are empty.
/// </summary>
internal ref struct RequestRecord
{
    public long TimestampUtcTicks;
    /// <summary>IP address and port, as <c>1.2.3.4:5678</c> or <c>[::1]:5678</c>.</summary>
    public string ClientAddress;
    public ReadOnlySpan<byte> Method;
    /// <summary>The request target as sent (path and query, not decoded).</summary>
    public ReadOnlySpan<byte> Target;
    public HttpVersion Version;
    /// <summary>The status the client could read: 0 when a fault sent none.</summary>
    public int StatusCode;
    public long BytesSent;
    public long DurationTicks;
    public ReadOnlySpan<byte> UserAgent;
    public ReadOnlySpan<byte> Referer;
    public ReadOnlySpan<byte> Range;
    /// <summary>The content coding sent ("br", "gzip", or "").</summary>
    public string ContentEncoding;

    // For the journal only (Get-ServerRequest); the access-log file does not write these.

    /// <summary>The request's header field lines as sent, from the first field name to the last value (line ends included).</summary>
    public ReadOnlySpan<byte> HeaderFields;
    /// <summary>The decoded request body.</summary>
    public ReadOnlySpan<byte> Body;
    /// <summary>Which canned response answered (<see cref="HttpResponse.AnsweredBy"/>), or null.</summary>
    public string? AnsweredBy;
    public ResponseFault Fault;
}
