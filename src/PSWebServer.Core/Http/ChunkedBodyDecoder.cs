using System;

namespace PSWebServer.Http;

/// <summary>
/// Decodes a chunked request body (RFC 9112 §7.1) strictly, incrementally and without I/O or allocation: the caller
/// feeds what has arrived and gets the data bytes in its own buffer. Once a server reads bodies, every leniency here
/// is a request-smuggling hole (a front proxy that frames the body one way, this server another), so anything
/// outside the grammar is refused rather than guessed at:
/// <list type="bullet">
/// <item>chunk-size is 1*HEXDIG only: no sign, no "0x", no whitespace; a value past 2^62 is refused as an overflow.</item>
/// <item>chunk-ext is <c>;name[=token|quoted-string]</c> repeated, without the BWS the grammar allows (no client sends
/// extensions, and whitespace around them is parsed differently by different servers); the line is bounded.</item>
/// <item>every line ends in CRLF: a bare CR or a bare LF is refused; chunk data is followed by exactly CRLF.</item>
/// <item>the trailer section is parsed as field lines, bounded in count and bytes, then dropped: trailers are never
/// merged into the header fields (RFC 9110 §6.5.1 lets a recipient discard them).</item>
/// </list>
/// The sum of the chunk sizes is checked against the body limit as each size line ends, before its data is read.
/// One per connection, <see cref="Reset"/> per body.
/// </summary>
internal sealed class ChunkedBodyDecoder
{
    /// <summary>A chunk line (size and extensions) longer than this is refused: real ones are a few bytes.</summary>
    public const int MaxChunkLineBytes = 1024;

    private const long MaxChunkSize = 1L << 62;

    private enum State : byte
    {
        SizeStart,     // expecting the first hex digit of a chunk-size
        Size,          // in the hex digits
        ExtNameStart,  // after ';': the first character of the extension's name
        ExtName,       // in the name
        ExtValueStart, // after '=': a token or a quoted string
        ExtToken,      // in a token value
        ExtQuoted,     // in a quoted-string value
        ExtQuotedPair, // after a backslash in a quoted string
        ExtAfterQuoted, // after the closing quote
        SizeLf,        // the chunk line's CR was seen: LF must follow
        Data,
        DataCr,        // after the data: CR must follow
        DataLf,        // LF must follow
        TrailerLineStart, // at the start of a trailer field line, or the empty line that ends the body
        TrailerName,
        TrailerValue,
        TrailerLf,     // a trailer line's CR was seen
        EndLf,         // the final empty line's CR was seen
        Done,
        Rejected,
    }

    private readonly long _maxBodyBytes;
    private readonly int _maxTrailerBytes;
    private readonly int _maxTrailerCount;
    private State _state;
    private long _size;        // the chunk-size being read, then the data left in the current chunk
    private int _lineBytes;    // bytes of the current chunk line or trailer section
    private int _trailerCount;
    private bool _lastChunk;
    private long _declared;    // sum of the chunk sizes seen so far

    public ChunkedBodyDecoder(long maxBodyBytes, int maxTrailerBytes, int maxTrailerCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBodyBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTrailerBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTrailerCount);
        _maxBodyBytes = maxBodyBytes;
        _maxTrailerBytes = maxTrailerBytes;
        _maxTrailerCount = maxTrailerCount;
    }

    /// <summary>Why the body was refused, once <see cref="Decode"/> has returned <see cref="ChunkedStatus.Rejected"/>.</summary>
    public RequestRejectionReason Rejection { get; private set; }

    /// <summary>Data bytes produced so far.</summary>
    public long DecodedLength { get; private set; }

    /// <summary>Data bytes of the current chunk not yet produced: room the caller may make before the next call.</summary>
    public long PendingChunkBytes => _state == State.Data ? _size : 0;

    public bool IsComplete => _state == State.Done;

    public void Reset()
    {
        _state = State.SizeStart;
        _size = 0;
        _lineBytes = 0;
        _trailerCount = 0;
        _lastChunk = false;
        _declared = 0;
        DecodedLength = 0;
        Rejection = RequestRejectionReason.None;
    }

    /// <summary>
    /// Decodes from <paramref name="source"/> into <paramref name="destination"/>. Returns <see cref="ChunkedStatus.NeedMoreData"/>
    /// when all of the source is consumed and the body is not over, <see cref="ChunkedStatus.DestinationFull"/> when data
    /// is waiting and the destination has no room left, <see cref="ChunkedStatus.Complete"/> after the last chunk and
    /// trailer section (bytes after it, a pipelined request, are not consumed), or <see cref="ChunkedStatus.Rejected"/>.
    /// </summary>
    public ChunkedStatus Decode(ReadOnlySpan<byte> source, Span<byte> destination, out int consumed, out int written)
    {
        consumed = 0;
        written = 0;
        if (_state == State.Done) return ChunkedStatus.Complete;
        if (_state == State.Rejected) return ChunkedStatus.Rejected;

        int i = 0;
        while (i < source.Length)
        {
            if (_state == State.Data)
            {
                int room = destination.Length - written;
                if (room == 0)
                {
                    consumed = i;
                    return ChunkedStatus.DestinationFull;
                }
                int take = (int)Math.Min(Math.Min(_size, source.Length - i), room);
                source.Slice(i, take).CopyTo(destination.Slice(written));
                i += take;
                written += take;
                _size -= take;
                DecodedLength += take;
                if (_size == 0) _state = State.DataCr;
                continue;
            }

            byte b = source[i++];
            RequestRejectionReason failure = Step(b);
            if (failure != RequestRejectionReason.None)
            {
                _state = State.Rejected;
                Rejection = failure;
                consumed = i;
                return ChunkedStatus.Rejected;
            }
            if (_state == State.Done)
            {
                consumed = i;
                return ChunkedStatus.Complete;
            }
        }
        consumed = i;
        return ChunkedStatus.NeedMoreData;
    }

    /// <summary>One framing byte; returns why it is refused, or None.</summary>
    private RequestRejectionReason Step(byte b)
    {
        switch (_state)
        {
            case State.SizeStart:
            case State.Size:
                if (++_lineBytes > MaxChunkLineBytes) return RequestRejectionReason.InvalidChunkExtension;
                if (HttpCharacters.IsHexDigit(b))
                {
                    if (_size > (MaxChunkSize >> 4)) return RequestRejectionReason.ChunkSizeOverflow;
                    _size = (_size << 4) | (long)HexValue(b);
                    _state = State.Size;
                    return RequestRejectionReason.None;
                }
                if (_state == State.SizeStart) return RequestRejectionReason.InvalidChunkSize; // empty, a sign, whitespace
                if (b == (byte)';')
                {
                    _state = State.ExtNameStart;
                    return RequestRejectionReason.None;
                }
                if (b == (byte)'\r') return EndChunkLine();
                if (b == (byte)'\n') return RequestRejectionReason.InvalidChunkLineEnding;
                return RequestRejectionReason.InvalidChunkSize; // "0x", trailing whitespace, anything else
            case State.ExtNameStart:
                if (++_lineBytes > MaxChunkLineBytes) return RequestRejectionReason.InvalidChunkExtension;
                if (HttpCharacters.IsTokenChar(b)) { _state = State.ExtName; return RequestRejectionReason.None; }
                return Refuse(b); // an empty name, or whitespace after the ';'
            case State.ExtName:
                if (++_lineBytes > MaxChunkLineBytes) return RequestRejectionReason.InvalidChunkExtension;
                if (HttpCharacters.IsTokenChar(b)) return RequestRejectionReason.None;
                if (b == (byte)'=') { _state = State.ExtValueStart; return RequestRejectionReason.None; }
                if (b == (byte)';') { _state = State.ExtNameStart; return RequestRejectionReason.None; }
                if (b == (byte)'\r') return EndChunkLine();
                return Refuse(b);
            case State.ExtValueStart:
                if (++_lineBytes > MaxChunkLineBytes) return RequestRejectionReason.InvalidChunkExtension;
                if (b == (byte)'"') { _state = State.ExtQuoted; return RequestRejectionReason.None; }
                if (HttpCharacters.IsTokenChar(b)) { _state = State.ExtToken; return RequestRejectionReason.None; }
                return Refuse(b);
            case State.ExtToken:
                if (++_lineBytes > MaxChunkLineBytes) return RequestRejectionReason.InvalidChunkExtension;
                if (HttpCharacters.IsTokenChar(b)) return RequestRejectionReason.None;
                if (b == (byte)';') { _state = State.ExtNameStart; return RequestRejectionReason.None; }
                if (b == (byte)'\r') return EndChunkLine();
                return Refuse(b);
            case State.ExtQuoted:
                if (++_lineBytes > MaxChunkLineBytes) return RequestRejectionReason.InvalidChunkExtension;
                if (b == (byte)'"') { _state = State.ExtAfterQuoted; return RequestRejectionReason.None; }
                if (b == (byte)'\\') { _state = State.ExtQuotedPair; return RequestRejectionReason.None; }
                if (b == (byte)'\t' || b >= 0x20 && b != 0x7F) return RequestRejectionReason.None; // qdtext, obs-text
                return Refuse(b); // CR, LF or another control inside the quotes
            case State.ExtQuotedPair:
                if (++_lineBytes > MaxChunkLineBytes) return RequestRejectionReason.InvalidChunkExtension;
                if (b == (byte)'\t' || b >= 0x20 && b != 0x7F) { _state = State.ExtQuoted; return RequestRejectionReason.None; }
                return Refuse(b);
            case State.ExtAfterQuoted:
                if (++_lineBytes > MaxChunkLineBytes) return RequestRejectionReason.InvalidChunkExtension;
                if (b == (byte)';') { _state = State.ExtNameStart; return RequestRejectionReason.None; }
                if (b == (byte)'\r') return EndChunkLine();
                return Refuse(b);
            case State.SizeLf:
                if (b != (byte)'\n') return RequestRejectionReason.InvalidChunkLineEnding;
                _lineBytes = 0;
                if (_lastChunk)
                {
                    _state = State.TrailerLineStart;
                    return RequestRejectionReason.None;
                }
                _state = State.Data;
                return RequestRejectionReason.None;
            case State.DataCr:
                if (b != (byte)'\r') return RequestRejectionReason.InvalidChunkDataEnd;
                _state = State.DataLf;
                return RequestRejectionReason.None;
            case State.DataLf:
                if (b != (byte)'\n') return RequestRejectionReason.InvalidChunkDataEnd;
                _state = State.SizeStart;
                _size = 0;
                _lineBytes = 0;
                return RequestRejectionReason.None;
            case State.TrailerLineStart:
                if (++_lineBytes > _maxTrailerBytes) return RequestRejectionReason.TrailersTooLarge;
                if (b == (byte)'\r') { _state = State.EndLf; return RequestRejectionReason.None; }
                if (++_trailerCount > _maxTrailerCount) return RequestRejectionReason.TrailersTooLarge;
                if (!HttpCharacters.IsTokenChar(b)) return b == (byte)'\n' ? RequestRejectionReason.InvalidChunkLineEnding : RequestRejectionReason.InvalidTrailer;
                _state = State.TrailerName;
                return RequestRejectionReason.None;
            case State.TrailerName:
                if (++_lineBytes > _maxTrailerBytes) return RequestRejectionReason.TrailersTooLarge;
                if (HttpCharacters.IsTokenChar(b)) return RequestRejectionReason.None;
                if (b == (byte)':') { _state = State.TrailerValue; return RequestRejectionReason.None; }
                return RequestRejectionReason.InvalidTrailer; // no colon, whitespace before it, a line end in the name
            case State.TrailerValue:
                if (++_lineBytes > _maxTrailerBytes) return RequestRejectionReason.TrailersTooLarge;
                if (b == (byte)'\r') { _state = State.TrailerLf; return RequestRejectionReason.None; }
                if (b == (byte)'\n') return RequestRejectionReason.InvalidChunkLineEnding;
                if (b == (byte)'\t' || b >= 0x20 && b != 0x7F) return RequestRejectionReason.None; // VCHAR, SP, HTAB, obs-text
                return RequestRejectionReason.InvalidTrailer; // NUL and other controls
            case State.TrailerLf:
                if (++_lineBytes > _maxTrailerBytes) return RequestRejectionReason.TrailersTooLarge;
                if (b != (byte)'\n') return RequestRejectionReason.InvalidChunkLineEnding;
                _state = State.TrailerLineStart;
                return RequestRejectionReason.None;
            case State.EndLf:
                if (b != (byte)'\n') return RequestRejectionReason.InvalidChunkLineEnding;
                _state = State.Done;
                return RequestRejectionReason.None;
            default:
                throw new InvalidOperationException("A framing byte in state " + _state + ".");
        }
    }

    /// <summary>The CR of a chunk line: the size is whole, so it is judged against the body limit before any data is read.</summary>
    private RequestRejectionReason EndChunkLine()
    {
        _state = State.SizeLf;
        if (_size == 0)
        {
            _lastChunk = true;
            return RequestRejectionReason.None;
        }
        if (_size > _maxBodyBytes - _declared) return RequestRejectionReason.BodyTooLarge;
        _declared += _size;
        return RequestRejectionReason.None;
    }

    /// <summary>A byte the extension grammar does not allow: a bare LF is a line-ending fault, anything else a bad extension.</summary>
    private static RequestRejectionReason Refuse(byte b) =>
        b == (byte)'\n' ? RequestRejectionReason.InvalidChunkLineEnding : RequestRejectionReason.InvalidChunkExtension;

    private static int HexValue(byte b) => b <= (byte)'9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
