using System;
using System.Buffers;
using PSWebServer.Http;

namespace PSWebServer.Http2;

/// <summary>
/// Turns one decoded HTTP/2 field block into the protocol-neutral request the handlers read: an
/// <see cref="HttpRequestHead"/> of offsets over the stream's own bytes, laid out as HTTP/1 would have them (the
/// pseudo-header values first, then one "name: value\r\n" line per field, <c>host</c> first from <c>:authority</c>), so
/// the journal's raw header lines and every handler work unchanged. It checks what RFC 9113 §8.2 and §8.3 make a
/// malformed request (a stream PROTOCOL_ERROR): names that are not lowercase tokens, values with NUL, CR, LF or
/// surrounding whitespace, unknown, repeated, missing or late pseudo-headers, connection-specific fields, TE other than
/// "trailers", a Host that differs from :authority, an unparsable content-length. Cookie fields, which HTTP/2 clients
/// split into one field per cookie for HPACK (§8.2.3), are joined with "; " into the one Cookie line HTTP/1.1 would have
/// carried, last among the fields.
/// <para>
/// One per connection, reused for every block; the bytes it writes belong to the stream (<see cref="Http2Stream"/>),
/// since many streams are in flight at once. Decoding runs on the loop, so one builder is never used by two blocks at once.
/// </para>
/// </summary>
internal sealed class Http2RequestBuilder : IHpackHeaderSink
{
    private const int PseudoMethod = 1, PseudoScheme = 2, PseudoAuthority = 4, PseudoPath = 8;

    private readonly int _maxFields;
    private Http2Stream? _stream;
    private bool _trailers;
    private int _pseudoSeen;
    private bool _regularSeen;
    private HeaderSegment _method, _scheme, _authority, _path;
    private HeaderSegment _hostField;
    private byte[] _cookies = Array.Empty<byte>(); // this block's cookie crumbs, joined; the connection's, reused
    private int _cookieLength;
    private bool _cookieSeen;

    public Http2RequestBuilder(int maxFields)
    {
        _maxFields = maxFields;
    }

    /// <summary>Why the block is a malformed request (a constant), or null while it is well formed.</summary>
    public string? Malformed { get; private set; }

    /// <summary>A well-formed request the server refuses with a status of its own (400, 431, 501), or 0.</summary>
    public int RefusalStatus { get; private set; }

    /// <summary>Starts the request block of <paramref name="stream"/> (trailers: only checked, then dropped).</summary>
    public void Begin(Http2Stream stream, bool trailers)
    {
        _stream = stream;
        _trailers = trailers;
        _pseudoSeen = 0;
        _regularSeen = false;
        _method = _scheme = _authority = _path = _hostField = HeaderSegment.Absent;
        _cookieLength = 0;
        _cookieSeen = false;
        Malformed = null;
        RefusalStatus = 0;
        if (!trailers)
        {
            stream.HeadLength = 0;
            stream.Head.Reset();
        }
    }

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (Malformed != null) return; // keep decoding (the HPACK table is the connection's), keep nothing
        if (name.IsEmpty) { Malformed = "empty field name"; return; }
        if (!ValidValue(value)) { Malformed = "field value with NUL, CR, LF or surrounding whitespace"; return; }
        if (name[0] == (byte)':')
        {
            if (_trailers) { Malformed = "pseudo-header in trailers"; return; }
            if (_regularSeen) { Malformed = "pseudo-header after a regular field"; return; }
            OnPseudoHeader(name, value);
            return;
        }
        if (!ValidName(name)) { Malformed = "field name not a lowercase token"; return; }
        if (IsConnectionSpecific(name)) { Malformed = "connection-specific field"; return; }
        if (name.SequenceEqual("te"u8) && !value.SequenceEqual("trailers"u8)) { Malformed = "te other than trailers"; return; }
        if (_trailers) return;

        Http2Stream stream = _stream!;
        if (!_regularSeen)
        {
            _regularSeen = true;
            AddAuthorityAsHost(stream);
        }
        if (name.SequenceEqual("host"u8))
        {
            // §8.3.1: Host may stand in for :authority; when both are sent they must name the same thing.
            if (_authority.IsPresent)
            {
                if (!value.SequenceEqual(_authority.Of(stream.HeadSpan))) Malformed = "host differs from :authority";
                return; // already a field line, from :authority
            }
            if (_hostField.IsPresent) { RefusalStatus = 400; return; }
        }
        if (name.SequenceEqual("cookie"u8))
        {
            AddCookieCrumb(value);
            return;
        }
        if (stream.Head.HeaderCount >= _maxFields) { RefusalStatus = 431; return; }
        AddField(stream, name, value);
        if (name.SequenceEqual("host"u8)) _hostField = stream.Head.Host;
    }

    /// <summary>
    /// Ends the block: checks the pseudo-headers a request must have (§8.3.1) and fills the head's request line.
    /// False when the request is malformed (<see cref="Malformed"/> says why).
    /// </summary>
    public bool Complete()
    {
        if (_trailers || Malformed != null)
        {
            _stream = null;
            return Malformed == null;
        }
        Http2Stream stream = _stream!;
        _stream = null;
        if (!_regularSeen) AddAuthorityAsHost(stream);
        if (_cookieSeen)
        {
            if (stream.Head.HeaderCount >= _maxFields) RefusalStatus = 431;
            else AddField(stream, "cookie"u8, _cookies.AsSpan(0, _cookieLength));
        }
        if ((_pseudoSeen & PseudoMethod) == 0) { Malformed = "no :method"; return false; }
        HttpRequestHead head = stream.Head;
        ReadOnlySpan<byte> bytes = stream.HeadSpan;
        ReadOnlySpan<byte> method = _method.Of(bytes);
        head.MethodText = _method;
        head.Method = method.SequenceEqual("GET"u8) ? HttpMethod.Get
            : method.SequenceEqual("HEAD"u8) ? HttpMethod.Head
            : method.SequenceEqual("OPTIONS"u8) ? HttpMethod.Options
            : HttpMethod.Other;
        head.Version = HttpVersion.Http2;
        head.KeepAlive = true;
        if (method.SequenceEqual("CONNECT"u8))
        {
            // §8.5: :authority only. A static server opens no tunnels: refused as HTTP/1.1 refuses it.
            if ((_pseudoSeen & (PseudoScheme | PseudoPath)) != 0 || !_authority.IsPresent) { Malformed = "CONNECT with :scheme or :path, or without :authority"; return false; }
            head.Target = head.Path = _authority;
            RefusalStatus = 501;
            return true;
        }
        if ((_pseudoSeen & (PseudoScheme | PseudoPath)) != (PseudoScheme | PseudoPath)) { Malformed = "no :scheme or :path"; return false; }
        ReadOnlySpan<byte> path = _path.Of(bytes);
        if (path.IsEmpty) { Malformed = "empty :path"; return false; }
        head.Target = _path;
        if (path.Length == 1 && path[0] == (byte)'*')
        {
            if (head.Method != HttpMethod.Options) { RefusalStatus = 400; }
            head.Path = _path;
        }
        else if (path[0] != (byte)'/')
        {
            RefusalStatus = 400;
            head.Path = _path;
        }
        else
        {
            foreach (byte b in path)
            {
                if (b <= 0x20 || b >= 0x7F || b == (byte)'#') { RefusalStatus = 400; break; }
            }
            int query = path.IndexOf((byte)'?');
            head.Path = new HeaderSegment(_path.Start, query < 0 ? path.Length : query);
        }
        if (head.Host.IsPresent && !HttpRequestParser.IsValidAuthority(head.Host.Of(bytes))) RefusalStatus = 400;
        return true;
    }

    private void OnPseudoHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        int which = name.SequenceEqual(":method"u8) ? PseudoMethod
            : name.SequenceEqual(":scheme"u8) ? PseudoScheme
            : name.SequenceEqual(":authority"u8) ? PseudoAuthority
            : name.SequenceEqual(":path"u8) ? PseudoPath
            : 0;
        if (which == 0) { Malformed = "unknown pseudo-header"; return; }
        if ((_pseudoSeen & which) != 0) { Malformed = "repeated pseudo-header"; return; }
        _pseudoSeen |= which;
        Http2Stream stream = _stream!;
        HeaderSegment segment = Append(stream, value);
        switch (which)
        {
            case PseudoMethod:
                foreach (byte b in value)
                {
                    if (!HttpCharacters.IsTokenChar(b)) { Malformed = "method not a token"; return; }
                }
                if (value.IsEmpty) Malformed = "empty :method";
                _method = segment;
                break;
            case PseudoScheme: _scheme = segment; break;
            case PseudoAuthority: _authority = segment; break;
            default: _path = segment; break;
        }
    }

    // The journal and the handlers know the target host as the Host field: :authority becomes the first field line.
    private void AddAuthorityAsHost(Http2Stream stream)
    {
        if (!_authority.IsPresent) return;
        // Copied from the stream's own bytes into the line; take the value first, since the buffer may move.
        int start = _authority.Start, length = _authority.Length;
        stream.EnsureHeadRoom(length + 8);
        Span<byte> target = stream.HeadBuffer.AsSpan(stream.HeadLength);
        "host: "u8.CopyTo(target);
        stream.HeadBuffer.AsSpan(start, length).CopyTo(target.Slice(6));
        target[6 + length] = (byte)'\r';
        target[7 + length] = (byte)'\n';
        var nameSegment = new HeaderSegment(stream.HeadLength, 4);
        var valueSegment = new HeaderSegment(stream.HeadLength + 6, length);
        stream.HeadLength += length + 8;
        stream.Head.AddField(nameSegment, valueSegment);
        HttpRequestParser.ClassifyField("host"u8, stream.HeadBuffer.AsSpan(valueSegment.Start, length), valueSegment, stream.Head);
    }

    private void AddField(Http2Stream stream, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        stream.EnsureHeadRoom(name.Length + value.Length + 4);
        Span<byte> target = stream.HeadBuffer.AsSpan(stream.HeadLength);
        name.CopyTo(target);
        target[name.Length] = (byte)':';
        target[name.Length + 1] = (byte)' ';
        value.CopyTo(target.Slice(name.Length + 2));
        target[name.Length + 2 + value.Length] = (byte)'\r';
        target[name.Length + 3 + value.Length] = (byte)'\n';
        var nameSegment = new HeaderSegment(stream.HeadLength, name.Length);
        var valueSegment = new HeaderSegment(stream.HeadLength + name.Length + 2, value.Length);
        stream.HeadLength += name.Length + value.Length + 4;
        stream.Head.AddField(nameSegment, valueSegment);
        if (HttpRequestParser.ClassifyField(name, value, valueSegment, stream.Head) != RequestRejectionReason.None)
            Malformed = "invalid content-length";
    }

    // Kept apart from the stream's bytes until the block ends, so the field lines stay one contiguous section. The
    // block's size is bounded by SETTINGS_MAX_HEADER_LIST_SIZE, and so is this. An empty crumb adds nothing.
    private void AddCookieCrumb(ReadOnlySpan<byte> value)
    {
        _cookieSeen = true;
        if (value.IsEmpty) return;
        int separator = _cookieLength == 0 ? 0 : 2;
        int needed = _cookieLength + separator + value.Length;
        if (needed > _cookies.Length) Array.Resize(ref _cookies, Math.Max(needed, Math.Max(256, _cookies.Length * 2)));
        if (separator != 0)
        {
            _cookies[_cookieLength] = (byte)';';
            _cookies[_cookieLength + 1] = (byte)' ';
        }
        value.CopyTo(_cookies.AsSpan(_cookieLength + separator));
        _cookieLength = needed;
    }

    private static HeaderSegment Append(Http2Stream stream, ReadOnlySpan<byte> value)
    {
        stream.EnsureHeadRoom(value.Length);
        value.CopyTo(stream.HeadBuffer.AsSpan(stream.HeadLength));
        var segment = new HeaderSegment(stream.HeadLength, value.Length);
        stream.HeadLength += value.Length;
        return segment;
    }

    // §8.2.1: no octet in 0x00-0x20, 0x41-0x5A (uppercase) or 0x7F-0xFF; and a token, as RFC 9110 field names are.
    private static bool ValidName(ReadOnlySpan<byte> name)
    {
        foreach (byte b in name)
        {
            if ((uint)(b - 'A') <= 'Z' - 'A' || !HttpCharacters.IsTokenChar(b)) return false;
        }
        return true;
    }

    // §8.2.1: no NUL, CR or LF anywhere, no SP or HTAB at either end.
    private static bool ValidValue(ReadOnlySpan<byte> value)
    {
        if (value.IndexOfAny((byte)0, (byte)'\r', (byte)'\n') >= 0) return false;
        if (value.IsEmpty) return true;
        byte first = value[0], last = value[^1];
        return first != (byte)' ' && first != (byte)'\t' && last != (byte)' ' && last != (byte)'\t';
    }

    // §8.2.2: fields that belong to an HTTP/1.1 connection and mean nothing on a stream.
    internal static bool IsConnectionSpecific(ReadOnlySpan<byte> lowercaseName) =>
        lowercaseName.SequenceEqual("connection"u8) || lowercaseName.SequenceEqual("keep-alive"u8)
        || lowercaseName.SequenceEqual("proxy-connection"u8) || lowercaseName.SequenceEqual("transfer-encoding"u8)
        || lowercaseName.SequenceEqual("upgrade"u8);
}
