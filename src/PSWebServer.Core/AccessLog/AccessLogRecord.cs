using System;
using PSWebServer.Http;

namespace PSWebServer.AccessLog;

/// <summary>
/// One completed request as the access log receives it: the raw bytes and numbers the journal records, still
/// unformatted. A ref struct over the queue's buffers (or a test's), so nothing is copied twice.
/// </summary>
internal readonly ref struct AccessLogRecord
{
    public AccessLogRecord(
        long id, long timestampUtcTicks, string clientAddress, ReadOnlySpan<byte> method, ReadOnlySpan<byte> target,
        HttpVersion version, int statusCode, long bytesSent, long durationTicks,
        ReadOnlySpan<byte> userAgent, ReadOnlySpan<byte> referer, ReadOnlySpan<byte> range, string contentEncoding)
    {
        Id = id;
        TimestampUtcTicks = timestampUtcTicks;
        ClientAddress = clientAddress;
        Method = method;
        Target = target;
        Version = version;
        StatusCode = statusCode;
        BytesSent = bytesSent;
        DurationTicks = durationTicks;
        UserAgent = userAgent;
        Referer = referer;
        Range = range;
        ContentEncoding = contentEncoding;
    }

    public long Id { get; }
    public long TimestampUtcTicks { get; }
    /// <summary>IP address and port, as <c>1.2.3.4:5678</c> or <c>[::1]:5678</c>.</summary>
    public string ClientAddress { get; }
    public ReadOnlySpan<byte> Method { get; }
    /// <summary>The request target as sent (path and query, not decoded).</summary>
    public ReadOnlySpan<byte> Target { get; }
    public HttpVersion Version { get; }
    public int StatusCode { get; }
    public long BytesSent { get; }
    public long DurationTicks { get; }
    public ReadOnlySpan<byte> UserAgent { get; }
    public ReadOnlySpan<byte> Referer { get; }
    public ReadOnlySpan<byte> Range { get; }
    public string ContentEncoding { get; }
}
