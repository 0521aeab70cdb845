using System;
using System.Buffers;

namespace PSWebServer.Http2;

/// <summary>
/// Joins a HEADERS fragment and its CONTINUATION frames into one contiguous field block for <see cref="HpackDecoder"/>
/// (which wants a complete block), and enforces RFC 9113 §6.10: while a block is open nothing but CONTINUATION on
/// the same stream may arrive, and CONTINUATION never arrives without an open block. Both are connection
/// PROTOCOL_ERRORs, because the HPACK state is shared by the connection and a half-received block leaves it unknown.
/// <para>
/// Bounds (the 2024 CONTINUATION flood, CVE-2024-27316 and kin): the block may not grow beyond
/// <see cref="MaxBlockSize"/>, and a block may not use more than <see cref="MaxContinuations"/> CONTINUATION frames
/// (empty ones included: they cost a frame each and grow nothing, which is what the flood used). Breaking either is a
/// connection error ENHANCE_YOUR_CALM, not a 431 on the stream: the block cannot be decoded without reading it all,
/// and an undecoded block leaves the connection's HPACK table unknown, so the connection cannot go on (§4.3). nghttp2
/// (since 1.61) also ends the connection, after 8 CONTINUATION frames by default; we use the same count.
/// </para>
/// <para>
/// The buffer is rented from the shared pool on first use and grown by doubling up to the bound, then kept for the
/// connection's later blocks, so steady traffic rents nothing per frame. <see cref="Dispose"/> returns it.
/// </para>
/// </summary>
internal sealed class Http2HeaderBlockAssembler : IDisposable
{
    /// <summary>nghttp2's default bound on CONTINUATION frames per block.</summary>
    public const int DefaultMaxContinuations = 8;

    /// <summary>The block bound when the list size is unbounded: 64 KiB, twice nginx's large_client_header_buffers.</summary>
    public const int DefaultMaxBlockSize = 64 * 1024;

    private const int InitialBufferSize = 4096;

    private byte[]? _buffer;
    private int _length;
    private int _continuations;

    public Http2HeaderBlockAssembler(int maxBlockSize = DefaultMaxBlockSize, int maxContinuations = DefaultMaxContinuations)
    {
        if (maxBlockSize < 1) throw new ArgumentOutOfRangeException(nameof(maxBlockSize));
        if (maxContinuations < 0) throw new ArgumentOutOfRangeException(nameof(maxContinuations));
        MaxBlockSize = maxBlockSize;
        MaxContinuations = maxContinuations;
    }

    /// <summary>
    /// The block bound for the SETTINGS_MAX_HEADER_LIST_SIZE we announce. The list size counts each field's name and
    /// value plus 32 octets (§6.5.2), and an HPACK encoding is never much longer than name and value (a literal adds
    /// a few octets of prefix; Huffman adds at most 3 bits in 8), so a block of the list size holds any list within
    /// it. Unbounded (uint.MaxValue) falls back to <see cref="DefaultMaxBlockSize"/>; 1 MiB caps what one peer can pin.
    /// </summary>
    public static int MaxBlockSizeFor(uint maxHeaderListSize) =>
        maxHeaderListSize == uint.MaxValue ? DefaultMaxBlockSize : (int)Math.Clamp(maxHeaderListSize, 1024u, 1024u * 1024u);

    public int MaxBlockSize { get; }

    public int MaxContinuations { get; }

    /// <summary>True between a HEADERS without END_HEADERS and the CONTINUATION that ends the block.</summary>
    public bool IsOpen { get; private set; }

    /// <summary>True once the block has ended (END_HEADERS) and until <see cref="Reset"/>.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>The stream of the block being gathered (0 when none).</summary>
    public uint StreamId { get; private set; }

    /// <summary>The gathered block; whole once <see cref="IsComplete"/>. Valid until the next call.</summary>
    public ReadOnlySpan<byte> Block => _buffer is null ? default : _buffer.AsSpan(0, _length);

    /// <summary>
    /// The §6.10 ordering rule, for every frame the connection reads (before acting on it): false with a connection
    /// PROTOCOL_ERROR when the frame may not come now. True for CONTINUATION only when a block is open on its stream.
    /// </summary>
    public bool CheckOrder(in Http2FrameHeader header, out Http2FrameError error)
    {
        error = default;
        if (IsOpen)
        {
            if (header.Type != Http2FrameType.Continuation)
            {
                error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, header.StreamId,
                    "frame other than CONTINUATION inside a field block");
                return false;
            }
            if (header.StreamId != StreamId)
            {
                error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, header.StreamId,
                    "CONTINUATION on another stream inside a field block");
                return false;
            }
            return true;
        }
        if (header.Type == Http2FrameType.Continuation)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, header.StreamId,
                "CONTINUATION without an open field block");
            return false;
        }
        return true;
    }

    /// <summary>
    /// Starts a block with a HEADERS fragment (padding and priority fields already removed). A block already complete
    /// and not <see cref="Reset"/> is dropped: the connection has decoded it.
    /// </summary>
    public bool TryBegin(uint streamId, ReadOnlySpan<byte> fragment, bool endHeaders, out Http2FrameError error)
    {
        if (IsOpen)
        {
            // CheckOrder refuses this first; kept so a caller that skips it cannot mix two blocks.
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, streamId,
                "HEADERS inside a field block");
            return false;
        }
        _length = 0;
        _continuations = 0;
        StreamId = streamId;
        IsComplete = false;
        IsOpen = true;
        return Append(fragment, endHeaders, out error);
    }

    /// <summary>Adds a CONTINUATION fragment (after <see cref="CheckOrder"/> has passed it).</summary>
    public bool TryContinue(uint streamId, ReadOnlySpan<byte> fragment, bool endHeaders, out Http2FrameError error)
    {
        if (!IsOpen || streamId != StreamId)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, streamId,
                IsOpen ? "CONTINUATION on another stream inside a field block" : "CONTINUATION without an open field block");
            return false;
        }
        if (++_continuations > MaxContinuations)
        {
            Abandon();
            error = Http2FrameError.Connection(Http2ErrorCode.EnhanceYourCalm, streamId,
                "too many CONTINUATION frames in one field block");
            return false;
        }
        return Append(fragment, endHeaders, out error);
    }

    /// <summary>Forgets the block (after decoding it) and keeps the buffer for the next one.</summary>
    public void Reset()
    {
        _length = 0;
        _continuations = 0;
        StreamId = 0;
        IsOpen = false;
        IsComplete = false;
    }

    public void Dispose()
    {
        Reset();
        byte[]? buffer = _buffer;
        _buffer = null;
        if (buffer is not null)
            ArrayPool<byte>.Shared.Return(buffer);
    }

    private bool Append(ReadOnlySpan<byte> fragment, bool endHeaders, out Http2FrameError error)
    {
        error = default;
        if (fragment.Length > MaxBlockSize - _length)
        {
            uint streamId = StreamId;
            Abandon();
            error = Http2FrameError.Connection(Http2ErrorCode.EnhanceYourCalm, streamId, "field block too large");
            return false;
        }
        if (fragment.Length > 0)
        {
            EnsureCapacity(_length + fragment.Length);
            fragment.CopyTo(_buffer.AsSpan(_length));
            _length += fragment.Length;
        }
        if (endHeaders)
        {
            IsOpen = false;
            IsComplete = true;
        }
        return true;
    }

    private void EnsureCapacity(int needed)
    {
        if (_buffer is not null && _buffer.Length >= needed)
            return;
        int size = Math.Max(_buffer?.Length ?? InitialBufferSize, InitialBufferSize);
        while (size < needed)
            size = size > MaxBlockSize / 2 ? MaxBlockSize : size * 2;
        byte[] grown = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(size, needed), Math.Max(MaxBlockSize, needed)));
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _length).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_buffer);
        }
        _buffer = grown;
    }

    // After a limit breaks the connection ends; dropping the state keeps a caller that carries on from appending more.
    private void Abandon()
    {
        Reset();
    }
}
