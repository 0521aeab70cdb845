using System;
using System.Text;

namespace PSWebServer.Http;

/// <summary>
/// One parsed request head, as offsets into the bytes it was parsed from: no strings are made.
/// A connection owns one and reuses it for every request, so parsing allocates nothing.
/// Every header field line is kept, in order (<see cref="Fields"/>, <see cref="TryGetHeader"/>), so a feature that
/// needs a header the static handler never reads (Authorization, Cookie, Upgrade, X-…) needs no parser change;
/// the named fields below are shortcuts the parser fills for the headers read on every request.
/// </summary>
internal sealed class HttpRequestHead
{
    // Sized once, to the header-count limit, when the first request of a connection is parsed: the parser refuses
    // a head with more field lines, so the array never has to grow and a request never allocates.
    private HeaderField[] _fields;

    public HttpRequestHead()
    {
        _fields = Array.Empty<HeaderField>();
    }

    /// <summary>A head whose field storage is allocated now rather than at the first parse.</summary>
    public HttpRequestHead(int fieldCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fieldCapacity);
        _fields = new HeaderField[fieldCapacity];
    }

    public HttpMethod Method;
    public HttpVersion Version;
    public HeaderSegment MethodText;
    /// <summary>The request target as sent (path and query).</summary>
    public HeaderSegment Target;
    /// <summary>The path part of the target, before any '?'; for absolute-form targets, the path after the authority.</summary>
    public HeaderSegment Path;
    public int HostCount;
    public long ContentLength;
    public bool KeepAlive;

    public HeaderSegment Host, Connection, UserAgent, Referer, Range, IfNoneMatch, IfModifiedSince, IfMatch,
        IfUnmodifiedSince, IfRange, Accept, AcceptEncoding, TransferEncoding, Expect, Origin,
        AccessControlRequestMethod, AccessControlRequestHeaders;

    public bool HasBody => ContentLength > 0 || TransferEncoding.IsPresent;

    /// <summary>How many header field lines the request had; each is one entry of <see cref="Fields"/>.</summary>
    public int HeaderCount { get; private set; }

    /// <summary>How many field lines this head can hold without allocating.</summary>
    public int FieldCapacity => _fields.Length;

    /// <summary>Every header field line, in the order sent; repeated names appear once per line.</summary>
    public ReadOnlySpan<HeaderField> Fields => new(_fields, 0, HeaderCount);

    /// <summary>The field line at <paramref name="index"/> (0 ≤ index &lt; <see cref="HeaderCount"/>), in the order sent.</summary>
    public HeaderField this[int index]
    {
        get
        {
            if ((uint)index >= (uint)HeaderCount) throw new ArgumentOutOfRangeException(nameof(index));
            return _fields[index];
        }
    }

    /// <summary>
    /// The value of the first field line named <paramref name="name"/> (compared ignoring ASCII case), read from
    /// <paramref name="head"/>, the bytes the head was parsed from. A linear scan: heads hold tens of fields, and a
    /// name compared first by length rarely gets as far as its bytes.
    /// </summary>
    public bool TryGetHeader(ReadOnlySpan<byte> head, ReadOnlySpan<byte> name, out HeaderSegment value)
    {
        HeaderField[] fields = _fields;
        for (int i = 0; i < HeaderCount; i++)
        {
            HeaderSegment candidate = fields[i].Name;
            if (candidate.Length == name.Length && Ascii.EqualsIgnoreCase(candidate.Of(head), name))
            {
                value = fields[i].Value;
                return true;
            }
        }
        value = HeaderSegment.Absent;
        return false;
    }

    /// <summary>The field lines as sent, for the journal: from the first name to the end of the last value, in <paramref name="head"/>.</summary>
    public ReadOnlySpan<byte> FieldSection(ReadOnlySpan<byte> head)
    {
        if (HeaderCount == 0) return default;
        int start = _fields[0].Name.Start;
        HeaderSegment last = _fields[HeaderCount - 1].Value;
        return head.Slice(start, last.Start + last.Length - start);
    }

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

    /// <summary>Makes room for <paramref name="capacity"/> field lines; allocates only when the head has less.</summary>
    internal void EnsureFieldCapacity(int capacity)
    {
        if (_fields.Length < capacity) _fields = new HeaderField[capacity];
    }

    /// <summary>
    /// Appends one field line, doubling the storage when it is full: most heads have a dozen fields, so a connection
    /// starts with room for <see cref="InitialFieldCapacity"/> and grows (once, kept) only for heads that need it.
    /// The parser refuses heads with more lines than the limit before they get here.
    /// </summary>
    internal void AddField(HeaderSegment name, HeaderSegment value)
    {
        if (HeaderCount == _fields.Length) Array.Resize(ref _fields, Math.Max(InitialFieldCapacity, _fields.Length * 2));
        _fields[HeaderCount] = new HeaderField(name, value);
        HeaderCount++;
    }

    /// <summary>Room for this many fields is made at a head's first request (16 bytes each).</summary>
    internal const int InitialFieldCapacity = 16;
}
