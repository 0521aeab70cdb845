using System;

namespace PSWebServer.Http;

/// <summary>
/// One parsed request head, as offsets into the bytes it was parsed from: no strings are made.
/// A connection owns one and reuses it for every request, so parsing allocates nothing.
/// </summary>
internal sealed class HttpRequestHead
{
    public HttpMethod Method;
    public HttpVersion Version;
    public HeaderSegment MethodText;
    /// <summary>The request target as sent (path and query).</summary>
    public HeaderSegment Target;
    /// <summary>The path part of the target, before any '?'; for absolute-form targets, the path after the authority.</summary>
    public HeaderSegment Path;
    public int HeaderCount;
    public int HostCount;
    public long ContentLength;
    public bool KeepAlive;

    public HeaderSegment Host, Connection, UserAgent, Referer, Range, IfNoneMatch, IfModifiedSince, IfMatch,
        IfUnmodifiedSince, IfRange, Accept, AcceptEncoding, TransferEncoding, Expect, Origin,
        AccessControlRequestMethod, AccessControlRequestHeaders;

    public bool HasBody => ContentLength > 0 || TransferEncoding.IsPresent;

    public void Reset()
    {
        Method = HttpMethod.Other;
        Version = HttpVersion.None;
        MethodText = Target = Path = HeaderSegment.Absent;
        HeaderCount = HostCount = 0;
        ContentLength = -1;
        KeepAlive = false;
        Host = Connection = UserAgent = Referer = Range = IfNoneMatch = IfModifiedSince = IfMatch =
            IfUnmodifiedSince = IfRange = Accept = AcceptEncoding = TransferEncoding = Expect = Origin =
            AccessControlRequestMethod = AccessControlRequestHeaders = HeaderSegment.Absent;
    }
}
