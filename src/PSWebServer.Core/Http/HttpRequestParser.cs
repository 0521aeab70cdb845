using System;
using System.Text;

namespace PSWebServer.Http;

/// <summary>
/// Parses an HTTP/1.x request head (RFC 9112) straight from the received bytes. Pure: no I/O, no allocation.
/// Incremental: the caller keeps a <see cref="Cursor"/> per request, so bytes already scanned for the end
/// of the head are not scanned again when more arrive (a client trickling bytes costs linear time).
/// A line may end in CRLF or a bare LF (RFC 9112 §2.2 lets a recipient accept the latter).
/// </summary>
internal sealed class HttpRequestParser
{
    private readonly int _maxRequestLine;
    private readonly int _maxHeaderBytes;
    private readonly int _maxHeaderCount;

    public HttpRequestParser(ServerLimits limits)
    {
        _maxRequestLine = limits.MaxRequestLineBytes;
        _maxHeaderBytes = limits.MaxHeaderBytes;
        _maxHeaderCount = limits.MaxHeaderCount;
    }

    /// <summary>The largest number of bytes a head within the limits can take, terminators included.</summary>
    public int MaxHeadBytes => _maxRequestLine + _maxHeaderBytes + 8;

    /// <summary>Scan state kept between calls for one request. Start each request with a default cursor.</summary>
    public struct Cursor
    {
        internal int HeadStart;      // after any empty lines sent before the request line
        internal int LineStart;      // start of the first line not yet seen whole
        internal int HeadersStart;   // just after the request line, once it has been seen
        internal int Lines;
        internal bool SawRequestLine;
    }

    public ParseStatus TryParse(ReadOnlySpan<byte> buffer, ref Cursor cursor, HttpRequestHead head, out int consumed, out RequestRejectionReason reason)
    {
        consumed = 0;
        reason = RequestRejectionReason.None;
        int end = -1;
        while (true)
        {
            int lf = buffer.Slice(cursor.LineStart).IndexOf((byte)'\n');
            if (lf < 0) break;
            lf += cursor.LineStart;
            int lineLength = lf - cursor.LineStart;
            bool empty = lineLength == 0 || (lineLength == 1 && buffer[cursor.LineStart] == (byte)'\r');

            if (!cursor.SawRequestLine)
            {
                if (empty)
                {
                    // RFC 9112 §2.2: ignore empty lines before the request line (some clients send a CRLF after a body).
                    cursor.LineStart = cursor.HeadStart = lf + 1;
                    if (cursor.HeadStart > 16) return Reject(RequestRejectionReason.InvalidRequestLine, out reason);
                    continue;
                }
                int content = buffer[lf - 1] == (byte)'\r' ? lineLength - 1 : lineLength;
                if (content > _maxRequestLine) return Reject(RequestRejectionReason.RequestLineTooLong, out reason);
                cursor.HeadersStart = lf + 1;
                cursor.SawRequestLine = true;
            }
            else if (empty)
            {
                end = lf + 1;
                break;
            }
            else if (++cursor.Lines > _maxHeaderCount)
            {
                return Reject(RequestRejectionReason.TooManyHeaders, out reason);
            }
            cursor.LineStart = lf + 1;
        }

        if (end < 0)
        {
            if (!cursor.SawRequestLine)
            {
                if (buffer.Length - cursor.HeadStart > _maxRequestLine + 1) return Reject(RequestRejectionReason.RequestLineTooLong, out reason);
            }
            else if (buffer.Length - cursor.HeadersStart > _maxHeaderBytes + 2)
            {
                return Reject(RequestRejectionReason.HeadersTooLarge, out reason);
            }
            return ParseStatus.Incomplete;
        }

        if (end - cursor.HeadersStart > _maxHeaderBytes + 2) return Reject(RequestRejectionReason.HeadersTooLarge, out reason);

        head.Reset();
        reason = ParseHead(buffer.Slice(0, end), cursor.HeadStart, head);
        if (reason != RequestRejectionReason.None) return ParseStatus.Rejected;
        consumed = end;
        return ParseStatus.Complete;
    }

    private static ParseStatus Reject(RequestRejectionReason why, out RequestRejectionReason reason)
    {
        reason = why;
        return ParseStatus.Rejected;
    }

    private static RequestRejectionReason ParseHead(ReadOnlySpan<byte> head, int start, HttpRequestHead result)
    {
        int lineEnd = head.Slice(start).IndexOf((byte)'\n') + start;
        RequestRejectionReason reason = ParseRequestLine(head, start, TrimCr(head, start, lineEnd), result);
        if (reason != RequestRejectionReason.None) return reason;

        int position = lineEnd + 1;
        while (true)
        {
            int lf = head.Slice(position).IndexOf((byte)'\n') + position;
            int contentEnd = TrimCr(head, position, lf);
            if (contentEnd == position) break; // the empty line that ends the head
            reason = ParseField(head, position, contentEnd, result);
            if (reason != RequestRejectionReason.None) return reason;
            position = lf + 1;
        }

        if (result.Version == HttpVersion.Http11 && result.HostCount == 0) return RequestRejectionReason.MissingHost;
        if (result.HostCount > 1) return RequestRejectionReason.MultipleHost;
        if (result.TransferEncoding.IsPresent && result.ContentLength >= 0) return RequestRejectionReason.ConflictingFraming;

        ReadOnlySpan<byte> connection = result.Connection.Of(head);
        result.KeepAlive = result.Version == HttpVersion.Http11
            ? !HasToken(connection, "close"u8)
            : HasToken(connection, "keep-alive"u8) && !HasToken(connection, "close"u8);
        return RequestRejectionReason.None;
    }

    /// <summary>The end of a line's content: before its CR when the line ends in CRLF.</summary>
    private static int TrimCr(ReadOnlySpan<byte> head, int lineStart, int lf) =>
        lf > lineStart && head[lf - 1] == (byte)'\r' ? lf - 1 : lf;

    private static RequestRejectionReason ParseRequestLine(ReadOnlySpan<byte> head, int start, int end, HttpRequestHead result)
    {
        ReadOnlySpan<byte> line = head.Slice(start, end - start);
        int firstSpace = line.IndexOf((byte)' ');
        if (firstSpace <= 0) return RequestRejectionReason.InvalidRequestLine;
        ReadOnlySpan<byte> method = line.Slice(0, firstSpace);
        foreach (byte b in method)
        {
            if (!HttpCharacters.IsTokenChar(b)) return RequestRejectionReason.InvalidRequestLine;
        }

        int lastSpace = line.LastIndexOf((byte)' ');
        if (lastSpace == firstSpace) return RequestRejectionReason.InvalidRequestLine;
        ReadOnlySpan<byte> target = line.Slice(firstSpace + 1, lastSpace - firstSpace - 1);
        ReadOnlySpan<byte> version = line.Slice(lastSpace + 1);

        result.MethodText = new HeaderSegment(start, firstSpace);
        result.Method = method.SequenceEqual("GET"u8) ? HttpMethod.Get
            : method.SequenceEqual("HEAD"u8) ? HttpMethod.Head
            : method.SequenceEqual("OPTIONS"u8) ? HttpMethod.Options
            : HttpMethod.Other;

        if (version.Length != 8 || !version.StartsWith("HTTP/"u8) || version[6] != (byte)'.'
            || !IsDigit(version[5]) || !IsDigit(version[7]))
        {
            return RequestRejectionReason.InvalidRequestLine;
        }
        if (version[5] != (byte)'1') return RequestRejectionReason.UnsupportedVersion;
        result.Version = version[7] == (byte)'0' ? HttpVersion.Http10 : HttpVersion.Http11;

        if (target.Length == 0) return RequestRejectionReason.InvalidRequestLine;
        foreach (byte b in target)
        {
            if (b <= 0x20 || b >= 0x7F) return RequestRejectionReason.InvalidRequestTarget;
        }

        int targetStart = start + firstSpace + 1;
        result.Target = new HeaderSegment(targetStart, target.Length);
        int pathStart = 0;
        if (target[0] == (byte)'/')
        {
            pathStart = 0; // origin-form, the usual case
        }
        else if (target.Length == 1 && target[0] == (byte)'*')
        {
            if (result.Method != HttpMethod.Options) return RequestRejectionReason.InvalidRequestTarget;
            result.Path = new HeaderSegment(targetStart, 1); // asterisk-form: the server as a whole
            return RequestRejectionReason.None;
        }
        else
        {
            // absolute-form (RFC 9112 §3.2.2): servers must accept it; the path follows the authority.
            int schemeEnd = target.IndexOf("://"u8);
            if (schemeEnd <= 0) return RequestRejectionReason.InvalidRequestTarget;
            int slash = target.Slice(schemeEnd + 3).IndexOfAny((byte)'/', (byte)'?');
            pathStart = slash < 0 ? target.Length : schemeEnd + 3 + slash;
        }

        int query = target.Slice(pathStart).IndexOf((byte)'?');
        int pathLength = query < 0 ? target.Length - pathStart : query;
        result.Path = new HeaderSegment(targetStart + pathStart, pathLength);
        return RequestRejectionReason.None;
    }

    private static RequestRejectionReason ParseField(ReadOnlySpan<byte> head, int start, int end, HttpRequestHead result)
    {
        ReadOnlySpan<byte> line = head.Slice(start, end - start);
        int colon = line.IndexOf((byte)':');
        if (colon <= 0) return RequestRejectionReason.InvalidHeader; // also catches obsolete line folding (leading space)
        ReadOnlySpan<byte> name = line.Slice(0, colon);
        foreach (byte b in name)
        {
            if (!HttpCharacters.IsTokenChar(b)) return RequestRejectionReason.InvalidHeader; // space before ':' is a smuggling shape
        }

        int valueStart = colon + 1;
        int valueEnd = line.Length;
        while (valueStart < valueEnd && IsWhitespace(line[valueStart])) valueStart++;
        while (valueEnd > valueStart && IsWhitespace(line[valueEnd - 1])) valueEnd--;
        ReadOnlySpan<byte> value = line.Slice(valueStart, valueEnd - valueStart);
        foreach (byte b in value)
        {
            if ((b < 0x20 && b != (byte)'\t') || b == 0x7F) return RequestRejectionReason.InvalidHeader; // NUL, bare CR, other controls
        }

        result.HeaderCount++;
        var segment = new HeaderSegment(start + valueStart, value.Length);
        switch (name.Length)
        {
            case 4:
                if (Ascii.EqualsIgnoreCase(name, "Host"u8)) { result.Host = segment; result.HostCount++; }
                break;
            case 5:
                if (Ascii.EqualsIgnoreCase(name, "Range"u8)) result.Range = segment;
                break;
            case 6:
                if (Ascii.EqualsIgnoreCase(name, "Accept"u8)) result.Accept = segment;
                else if (Ascii.EqualsIgnoreCase(name, "Expect"u8)) result.Expect = segment;
                else if (Ascii.EqualsIgnoreCase(name, "Origin"u8)) result.Origin = segment;
                break;
            case 7:
                if (Ascii.EqualsIgnoreCase(name, "Referer"u8)) result.Referer = segment;
                break;
            case 8:
                if (Ascii.EqualsIgnoreCase(name, "If-Match"u8)) result.IfMatch = segment;
                else if (Ascii.EqualsIgnoreCase(name, "If-Range"u8)) result.IfRange = segment;
                break;
            case 10:
                if (Ascii.EqualsIgnoreCase(name, "Connection"u8)) result.Connection = segment;
                else if (Ascii.EqualsIgnoreCase(name, "User-Agent"u8)) result.UserAgent = segment;
                break;
            case 13:
                if (Ascii.EqualsIgnoreCase(name, "If-None-Match"u8)) result.IfNoneMatch = segment;
                break;
            case 14:
                if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
                {
                    if (!TryParseLength(value, out long length)) return RequestRejectionReason.InvalidContentLength;
                    if (result.ContentLength >= 0 && result.ContentLength != length) return RequestRejectionReason.InvalidContentLength;
                    result.ContentLength = length;
                }
                break;
            case 15:
                if (Ascii.EqualsIgnoreCase(name, "Accept-Encoding"u8)) result.AcceptEncoding = segment;
                break;
            case 17:
                if (Ascii.EqualsIgnoreCase(name, "If-Modified-Since"u8)) result.IfModifiedSince = segment;
                else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8)) result.TransferEncoding = segment;
                break;
            case 19:
                if (Ascii.EqualsIgnoreCase(name, "If-Unmodified-Since"u8)) result.IfUnmodifiedSince = segment;
                break;
            case 29:
                if (Ascii.EqualsIgnoreCase(name, "Access-Control-Request-Method"u8)) result.AccessControlRequestMethod = segment;
                break;
            case 30:
                if (Ascii.EqualsIgnoreCase(name, "Access-Control-Request-Headers"u8)) result.AccessControlRequestHeaders = segment;
                break;
        }
        return RequestRejectionReason.None;
    }

    private static bool TryParseLength(ReadOnlySpan<byte> value, out long length)
    {
        length = 0;
        if (value.Length == 0 || value.Length > 18) return false;
        foreach (byte b in value)
        {
            if (!IsDigit(b)) return false;
            length = length * 10 + (b - '0');
        }
        return true;
    }

    /// <summary>Whether a comma-separated header value lists <paramref name="token"/>, ignoring case and spaces.</summary>
    internal static bool HasToken(ReadOnlySpan<byte> list, ReadOnlySpan<byte> token)
    {
        while (!list.IsEmpty)
        {
            int comma = list.IndexOf((byte)',');
            ReadOnlySpan<byte> item = (comma < 0 ? list : list.Slice(0, comma)).Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(item, token)) return true;
            if (comma < 0) break;
            list = list.Slice(comma + 1);
        }
        return false;
    }

    private static bool IsDigit(byte b) => b >= (byte)'0' && b <= (byte)'9';

    private static bool IsWhitespace(byte b) => b == (byte)' ' || b == (byte)'\t';
}
