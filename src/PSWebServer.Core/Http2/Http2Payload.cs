using System;
using System.Buffers.Binary;

namespace PSWebServer.Http2;

/// <summary>
/// Reads the fields inside frame payloads (RFC 9113 §6). The padding and priority rules live here so that the reader
/// (which validates every frame) and the connection (which takes the content out) apply the same arithmetic. Each
/// method returns false with the error the RFC names; after <see cref="Http2FrameReader"/> has accepted a frame they
/// cannot fail, so the connection may use them without re-checking.
/// </summary>
internal static class Http2Payload
{
    /// <summary>
    /// The data of a DATA frame without its padding (§6.1). Padding counts against flow control, so the connection
    /// charges <c>payload.Length</c>, not <c>data.Length</c>.
    /// </summary>
    public static bool TryGetData(in Http2FrameHeader header, ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> data,
        out Http2FrameError error) =>
        TryStripPadding(header, payload, 0, out data, out error);

    /// <summary>
    /// The field block fragment of a HEADERS frame (§6.2) without padding and without the deprecated priority fields,
    /// which are read only to apply §5.3.1 (a stream may not depend on itself) and otherwise ignored (§5.3.2).
    /// </summary>
    public static bool TryGetHeaderBlockFragment(in Http2FrameHeader header, ReadOnlySpan<byte> payload,
        out ReadOnlySpan<byte> fragment, out Http2FrameError error)
    {
        int priority = header.HasFlag(Http2Flags.Priority) ? 5 : 0;
        if (!TryStripPadding(header, payload, priority, out ReadOnlySpan<byte> content, out error))
        {
            fragment = default;
            return false;
        }
        if (priority != 0)
        {
            int priorityStart = header.HasFlag(Http2Flags.Padded) ? 1 : 0;
            uint dependency = BinaryPrimitives.ReadUInt32BigEndian(payload.Slice(priorityStart)) & 0x7FFFFFFF;
            if (dependency == header.StreamId)
            {
                // The fragment is still given: the block must be decoded all the same, to keep the HPACK table in step.
                fragment = content.Slice(priority);
                error = Http2FrameError.Stream(Http2ErrorCode.ProtocolError, header.StreamId,
                    "HEADERS: stream depends on itself");
                return false;
            }
        }
        fragment = content.Slice(priority);
        return true;
    }

    /// <summary>The increment of a WINDOW_UPDATE (§6.9); 0 is a PROTOCOL_ERROR on the stream, or on the
    /// connection when the frame is for stream 0.</summary>
    public static bool TryGetWindowIncrement(in Http2FrameHeader header, ReadOnlySpan<byte> payload, out int increment,
        out Http2FrameError error)
    {
        increment = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFFFFFF);
        if (increment == 0)
        {
            error = header.StreamId == 0
                ? Http2FrameError.Connection(Http2ErrorCode.ProtocolError, 0, "WINDOW_UPDATE: increment 0")
                : Http2FrameError.Stream(Http2ErrorCode.ProtocolError, header.StreamId, "WINDOW_UPDATE: increment 0");
            return false;
        }
        error = default;
        return true;
    }

    /// <summary>The error code of a RST_STREAM (§6.4); any value, unknown ones included (§7).</summary>
    public static Http2ErrorCode GetRstStreamCode(ReadOnlySpan<byte> payload) =>
        (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload);

    /// <summary>The last stream id of a GOAWAY (§6.8), reserved bit masked.</summary>
    public static uint GetGoAwayLastStreamId(ReadOnlySpan<byte> payload) =>
        BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFFFFFF;

    /// <summary>The error code of a GOAWAY (§6.8).</summary>
    public static Http2ErrorCode GetGoAwayCode(ReadOnlySpan<byte> payload) =>
        (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload.Slice(4));

    /// <summary>The opaque debug data of a GOAWAY (§6.8).</summary>
    public static ReadOnlySpan<byte> GetGoAwayDebugData(ReadOnlySpan<byte> payload) => payload.Slice(8);

    // The content between the Pad Length octet and the padding. `fixedFields` are octets the type requires after
    // Pad Length (HEADERS priority): a payload too short for them is a FRAME_SIZE_ERROR (§4.2, mandatory frame
    // data); padding that leaves no room is a PROTOCOL_ERROR (§6.1, §6.2), both on the connection.
    private static bool TryStripPadding(in Http2FrameHeader header, ReadOnlySpan<byte> payload, int fixedFields,
        out ReadOnlySpan<byte> content, out Http2FrameError error)
    {
        error = default;
        if (!header.HasFlag(Http2Flags.Padded))
        {
            if (payload.Length < fixedFields)
            {
                content = default;
                error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, header.StreamId,
                    "frame too short for its priority fields");
                return false;
            }
            content = payload;
            return true;
        }
        if (payload.Length < 1 + fixedFields)
        {
            content = default;
            error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, header.StreamId,
                "padded frame too short for its Pad Length");
            return false;
        }
        int padLength = payload[0];
        if (padLength >= payload.Length - fixedFields)
        {
            // §6.1: padding as long as the payload or longer. Pad Length itself is part of the payload, so padding
            // may be at most length - 1 - fixedFields octets.
            content = default;
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, header.StreamId,
                "padding longer than the payload");
            return false;
        }
        content = payload.Slice(1, payload.Length - 1 - padLength);
        return true;
    }
}
