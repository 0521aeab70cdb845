using System;
using System.Text;

namespace PSWebServer.Http;

/// <summary>
/// Parses an HTTP/1.x request head (RFC 9112) straight from the received bytes. Pure: no I/O, no allocation
/// (a new <see cref="HttpRequestHead"/> gets its field storage at its first request, room for 16 fields, doubled up to
/// the header-count limit only for a head that needs more).
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

    /// <summary>
    /// Scans <paramref name="buffer"/> (which starts at the request) for a whole head and parses it into <paramref name="head"/>.
    /// The head is reset and refilled from the moment the request line is seen whole, so it describes the previous
    /// request only until the next call that sees a new request line; on Complete it describes this one entirely.
    /// </summary>
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
                // The request line is judged as soon as it ends: a line without a version (the HTTP/0.9 shape) or
                // with a bad target gets its 400 now, instead of waiting for a header section that never comes.
                head.Reset();
                head.EnsureFieldCapacity(Math.Min(_maxHeaderCount, HttpRequestHead.InitialFieldCapacity));
                RequestRejectionReason lineReason = ParseRequestLine(buffer, cursor.LineStart, cursor.LineStart + content, head);
                if (lineReason != RequestRejectionReason.None) return Reject(lineReason, out reason);
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

        reason = ParseFields(buffer.Slice(0, end), cursor.HeadersStart, head);
        if (reason != RequestRejectionReason.None) return ParseStatus.Rejected;
        consumed = end;
        return ParseStatus.Complete;
    }

    private static ParseStatus Reject(RequestRejectionReason why, out RequestRejectionReason reason)
    {
        reason = why;
        return ParseStatus.Rejected;
    }

    /// <summary>Parses the field lines (the request line is already parsed), then judges the head as a whole.</summary>
    private static RequestRejectionReason ParseFields(ReadOnlySpan<byte> head, int position, HttpRequestHead result)
    {
        while (true)
        {
            int lf = head.Slice(position).IndexOf((byte)'\n') + position;
            int contentEnd = TrimCr(head, position, lf);
            if (contentEnd == position) break; // the empty line that ends the head
            RequestRejectionReason fieldReason = ParseField(head, position, contentEnd, result);
            if (fieldReason != RequestRejectionReason.None) return fieldReason;
            position = lf + 1;
        }

        // Framing first (RFC 9112 §6): a body whose length is unknown desynchronises the connection whatever the
        // method, so it is refused before anything (the handler's 405 included) answers as if the request were sound.
        if (result.TransferEncoding.IsPresent)
        {
            if (result.Version == HttpVersion.Http10) return RequestRejectionReason.TransferEncodingOnHttp10;
            if (result.ContentLength >= 0) return RequestRejectionReason.ConflictingFraming;
            RequestRejectionReason framing = CheckTransferCodings(head, result);
            if (framing != RequestRejectionReason.None) return framing;
        }

        if (result.Version == HttpVersion.Http11 && result.HostCount == 0) return RequestRejectionReason.MissingHost;
        if (result.HostCount > 1) return RequestRejectionReason.MultipleHost;
        if (result.Host.IsPresent && !IsValidAuthority(result.Host.Of(head))) return RequestRejectionReason.InvalidHost;

        // CONNECT asks for a tunnel, which a static-file server never opens. 501 rather than 405: a 405 must carry
        // an Allow header (RFC 9110 §15.5.6) and rejections are plain status pages.
        if (result.Method == HttpMethod.Other && result.MethodText.Of(head).SequenceEqual("CONNECT"u8))
        {
            return RequestRejectionReason.MethodNotImplemented;
        }

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
        if (lastSpace == firstSpace) return RequestRejectionReason.InvalidRequestLine; // no version: HTTP/0.9 is not spoken
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
            if (b == (byte)'#') return RequestRejectionReason.InvalidRequestTarget; // a fragment is the client's own (RFC 9112 §3.2)
        }

        int targetStart = start + firstSpace + 1;
        result.Target = new HeaderSegment(targetStart, target.Length);
        if (result.Method == HttpMethod.Other && method.SequenceEqual("CONNECT"u8))
        {
            // authority-form (§3.2.3), only for CONNECT, which is refused once the framing has been judged.
            result.Path = result.Target;
            return RequestRejectionReason.None;
        }

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
            if (schemeEnd <= 0 || !IsScheme(target.Slice(0, schemeEnd))) return RequestRejectionReason.InvalidRequestTarget;
            int authorityStart = schemeEnd + 3;
            int slash = target.Slice(authorityStart).IndexOfAny((byte)'/', (byte)'?');
            pathStart = slash < 0 ? target.Length : authorityStart + slash;
            // The authority is where the request goes (the Host field is then ignored): the same host[:port]
            // rules apply, and userinfo is refused as RFC 9110 §4.2.4 asks.
            if (!IsValidAuthority(target.Slice(authorityStart, pathStart - authorityStart))) return RequestRejectionReason.InvalidRequestTarget;
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

        var segment = new HeaderSegment(start + valueStart, value.Length);
        result.AddField(new HeaderSegment(start, colon), segment);
        return ClassifyField(name, value, segment, result);
    }

    /// <summary>
    /// Fills the head's shortcut for a field the handlers read on every request (Host, Range, Accept-Encoding, …), and
    /// checks Content-Length. Shared by both protocols: HTTP/2 streams classify their decoded fields here too.
    /// </summary>
    internal static RequestRejectionReason ClassifyField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, HeaderSegment segment,
        HttpRequestHead result)
    {
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

    /// <summary>
    /// Judges the transfer codings of every Transfer-Encoding line, in order, as one list (RFC 9110 §5.3).
    /// chunked must come last and once, or the body's end cannot be found (§6.3, 400); any other coding must be one
    /// this server knows (§6.1, 501 otherwise); and a list that does not end in chunked leaves the length unknown (400).
    /// </summary>
    private static RequestRejectionReason CheckTransferCodings(ReadOnlySpan<byte> head, HttpRequestHead result)
    {
        int codings = 0;
        bool chunked = false, unknown = false;
        foreach (HeaderField field in result.Fields)
        {
            if (field.Name.Length != 17 || !Ascii.EqualsIgnoreCase(field.Name.Of(head), "Transfer-Encoding"u8)) continue;
            ReadOnlySpan<byte> list = field.Value.Of(head);
            int i = 0;
            while (i < list.Length)
            {
                SkipWhitespace(list, ref i);
                if (i < list.Length && list[i] == (byte)',') { i++; continue; } // empty list elements are allowed (§5.6.1)
                if (i == list.Length) break;

                int nameStart = i;
                while (i < list.Length && HttpCharacters.IsTokenChar(list[i])) i++;
                if (i == nameStart) return RequestRejectionReason.InvalidTransferEncoding;
                ReadOnlySpan<byte> name = list.Slice(nameStart, i - nameStart);
                if (!SkipParameters(list, ref i)) return RequestRejectionReason.InvalidTransferEncoding;
                if (i < list.Length && list[i] != (byte)',') return RequestRejectionReason.InvalidTransferEncoding;

                codings++;
                if (chunked) return RequestRejectionReason.InvalidTransferEncoding; // something after chunked, chunked again included
                if (Ascii.EqualsIgnoreCase(name, "chunked"u8)) chunked = true;
                else if (!IsKnownCoding(name)) unknown = true;
            }
        }
        if (codings == 0) return RequestRejectionReason.InvalidTransferEncoding;
        if (unknown) return RequestRejectionReason.UnknownTransferCoding;
        return chunked ? RequestRejectionReason.None : RequestRejectionReason.InvalidTransferEncoding;
    }

    /// <summary>The codings of RFC 9112 §7 and the HTTP Transfer Coding registry, with the x- aliases §7.2 asks recipients to accept.</summary>
    private static bool IsKnownCoding(ReadOnlySpan<byte> name) =>
        Ascii.EqualsIgnoreCase(name, "gzip"u8) || Ascii.EqualsIgnoreCase(name, "deflate"u8)
        || Ascii.EqualsIgnoreCase(name, "compress"u8) || Ascii.EqualsIgnoreCase(name, "x-gzip"u8)
        || Ascii.EqualsIgnoreCase(name, "x-compress"u8);

    /// <summary>Skips *( OWS ";" OWS token "=" ( token / quoted-string ) ) OWS; false when malformed.</summary>
    private static bool SkipParameters(ReadOnlySpan<byte> list, ref int i)
    {
        while (true)
        {
            SkipWhitespace(list, ref i);
            if (i == list.Length || list[i] != (byte)';') return true;
            i++;
            SkipWhitespace(list, ref i);
            int nameStart = i;
            while (i < list.Length && HttpCharacters.IsTokenChar(list[i])) i++;
            if (i == nameStart || i == list.Length || list[i] != (byte)'=') return false; // BWS around '=' is not accepted
            i++;
            if (i < list.Length && list[i] == (byte)'"')
            {
                i++;
                while (true)
                {
                    if (i == list.Length) return false;
                    byte b = list[i++];
                    if (b == (byte)'"') break;
                    if (b == (byte)'\\')
                    {
                        if (i == list.Length) return false;
                        i++;
                    }
                }
            }
            else
            {
                int valueStart = i;
                while (i < list.Length && HttpCharacters.IsTokenChar(list[i])) i++;
                if (i == valueStart) return false;
            }
        }
    }

    private static void SkipWhitespace(ReadOnlySpan<byte> text, ref int i)
    {
        while (i < text.Length && IsWhitespace(text[i])) i++;
    }

    /// <summary>
    /// host [":" port] of RFC 3986 §3.2.2-3: an IP-literal in brackets, or a reg-name (which covers IPv4 too).
    /// Stricter than the grammar where the grammar admits what no client means: an empty host (RFC 9110 §4.2.1
    /// forbids it for http URIs), a comma (the shape of several Host values folded into one), a port over 65535.
    /// userinfo ('@') and paths ('/') fall outside the grammar and are refused with everything else.
    /// </summary>
    internal static bool IsValidAuthority(ReadOnlySpan<byte> authority)
    {
        if (authority.IsEmpty) return false;
        int hostEnd;
        if (authority[0] == (byte)'[')
        {
            int close = authority.IndexOf((byte)']');
            if (close < 0 || !IsIpLiteral(authority.Slice(1, close - 1))) return false;
            hostEnd = close + 1;
        }
        else
        {
            hostEnd = authority.IndexOf((byte)':');
            if (hostEnd < 0) hostEnd = authority.Length;
            if (hostEnd == 0 || !IsRegName(authority.Slice(0, hostEnd))) return false;
        }

        if (hostEnd == authority.Length) return true;
        if (authority[hostEnd] != (byte)':') return false;
        ReadOnlySpan<byte> port = authority.Slice(hostEnd + 1);
        if (port.Length > 5) return false;
        int value = 0;
        foreach (byte b in port)
        {
            if (!IsDigit(b)) return false;
            value = value * 10 + (b - '0');
        }
        return value <= 65535; // an empty port is allowed by RFC 3986 and means the default one
    }

    private static bool IsRegName(ReadOnlySpan<byte> name)
    {
        for (int i = 0; i < name.Length; i++)
        {
            byte b = name[i];
            if (b == (byte)'%')
            {
                if (i + 2 >= name.Length || !HttpCharacters.IsHexDigit(name[i + 1]) || !HttpCharacters.IsHexDigit(name[i + 2])) return false;
                i += 2;
            }
            else if (b == (byte)',' || !HttpCharacters.IsRegNameChar(b))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>IPv6address or IPvFuture, the inside of "[...]" (RFC 3986 §3.2.2). Zone identifiers are not accepted.</summary>
    private static bool IsIpLiteral(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty) return false;
        if ((text[0] | 0x20) == (byte)'v')
        {
            int dot = text.IndexOf((byte)'.');
            if (dot < 2 || dot == text.Length - 1) return false;
            foreach (byte b in text.Slice(1, dot - 1))
            {
                if (!HttpCharacters.IsHexDigit(b)) return false;
            }
            foreach (byte b in text.Slice(dot + 1))
            {
                if (b != (byte)':' && !HttpCharacters.IsRegNameChar(b)) return false;
            }
            return true;
        }
        return IsIPv6(text);
    }

    private static bool IsIPv6(ReadOnlySpan<byte> text)
    {
        int groups = 0;
        bool elided = false;
        int i = 0;
        if (text.StartsWith("::"u8))
        {
            elided = true;
            i = 2;
            if (i == text.Length) return true;
        }
        while (true)
        {
            int groupStart = i;
            while (i < text.Length && i - groupStart < 4 && HttpCharacters.IsHexDigit(text[i])) i++;
            if (i < text.Length && text[i] == (byte)'.')
            {
                // An IPv4 address in the last 32 bits.
                if (!IsIPv4(text.Slice(groupStart))) return false;
                groups += 2;
                break;
            }
            if (i == groupStart) return false;
            groups++;
            if (i == text.Length) break;
            if (text[i] != (byte)':') return false;
            i++;
            if (i < text.Length && text[i] == (byte)':')
            {
                if (elided) return false;
                elided = true;
                i++;
                if (i == text.Length) break;
            }
            else if (i == text.Length)
            {
                return false; // a single trailing colon
            }
        }
        return elided ? groups <= 7 : groups == 8;
    }

    private static bool IsIPv4(ReadOnlySpan<byte> text)
    {
        for (int octet = 0; octet < 4; octet++)
        {
            if (octet > 0)
            {
                if (text.IsEmpty || text[0] != (byte)'.') return false;
                text = text.Slice(1);
            }
            int digits = 0, value = 0;
            while (digits < text.Length && digits < 3 && IsDigit(text[digits])) value = value * 10 + (text[digits++] - '0');
            if (digits == 0 || value > 255 || (digits > 1 && text[0] == (byte)'0')) return false; // dec-octet has no leading zeros
            text = text.Slice(digits);
        }
        return text.IsEmpty;
    }

    /// <summary>scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1).</summary>
    private static bool IsScheme(ReadOnlySpan<byte> scheme)
    {
        if ((uint)((scheme[0] | 0x20) - 'a') > 'z' - 'a') return false;
        foreach (byte b in scheme)
        {
            bool letter = (uint)((b | 0x20) - 'a') <= 'z' - 'a';
            if (!letter && !IsDigit(b) && b != (byte)'+' && b != (byte)'-' && b != (byte)'.') return false;
        }
        return true;
    }

    private static bool IsDigit(byte b) => HttpCharacters.IsDigit(b);

    private static bool IsWhitespace(byte b) => b == (byte)' ' || b == (byte)'\t';
}
