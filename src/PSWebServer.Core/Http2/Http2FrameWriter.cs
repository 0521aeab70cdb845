using System;
using System.Buffers.Binary;

namespace PSWebServer.Http2;

/// <summary>
/// Writes frames (RFC 9113 §6) into a destination the caller owns, typically the connection's send buffer, and
/// returns the octets written; nothing is allocated. A destination too short is a bug in the caller (it sizes
/// with the <c>*Size</c> members), so it throws rather than returning a partial frame. Stream ids are written
/// with the reserved bit clear (§4.1). Values a peer would reject (a zero window increment, a frame larger than the
/// peer's SETTINGS_MAX_FRAME_SIZE) are refused here too, so a bug shows as an exception, not as GOAWAY from a client.
/// </summary>
internal static class Http2FrameWriter
{
    public const int SettingsAckSize = Http2FrameHeader.Size;
    public const int PingSize = Http2FrameHeader.Size + 8;
    public const int WindowUpdateSize = Http2FrameHeader.Size + 4;
    public const int RstStreamSize = Http2FrameHeader.Size + 4;

    public static int SettingsSize(int count) => Http2FrameHeader.Size + 6 * count;

    public static int GoAwaySize(int debugLength) => Http2FrameHeader.Size + 8 + debugLength;

    /// <summary>Octets <see cref="WriteHeaders"/> needs: one frame header per <paramref name="maxFrameSize"/>
    /// octets of block (at least one, an empty block is one empty HEADERS).</summary>
    public static int HeadersSize(int blockLength, int maxFrameSize) =>
        blockLength + Http2FrameHeader.Size * FrameCount(blockLength, maxFrameSize);

    /// <summary>Any frame, payload copied; for types without a helper and for tests.</summary>
    public static int WriteFrame(Span<byte> destination, Http2FrameType type, byte flags, uint streamId,
        ReadOnlySpan<byte> payload)
    {
        int total = Http2FrameHeader.Size + payload.Length;
        Ensure(destination, total);
        new Http2FrameHeader(payload.Length, type, flags, streamId).Write(destination);
        payload.CopyTo(destination.Slice(Http2FrameHeader.Size));
        return total;
    }

    /// <summary>SETTINGS with the given values in order (§6.5.1).</summary>
    public static int WriteSettings(Span<byte> destination, ReadOnlySpan<(Http2SettingId Id, uint Value)> settings)
    {
        int total = SettingsSize(settings.Length);
        Ensure(destination, total);
        new Http2FrameHeader(6 * settings.Length, Http2FrameType.Settings, 0, 0).Write(destination);
        Span<byte> p = destination.Slice(Http2FrameHeader.Size);
        for (int i = 0; i < settings.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(p.Slice(6 * i), (ushort)settings[i].Id);
            BinaryPrimitives.WriteUInt32BigEndian(p.Slice(6 * i + 2), settings[i].Value);
        }
        return total;
    }

    public static int WriteSettingsAck(Span<byte> destination)
    {
        Ensure(destination, SettingsAckSize);
        new Http2FrameHeader(0, Http2FrameType.Settings, Http2Flags.Ack, 0).Write(destination);
        return SettingsAckSize;
    }

    /// <summary>PING (§6.7); <paramref name="opaque"/> is 8 octets, echoed unchanged in the ACK.</summary>
    public static int WritePing(Span<byte> destination, ReadOnlySpan<byte> opaque, bool ack)
    {
        if (opaque.Length != 8)
            throw new ArgumentException("PING data is 8 octets.", nameof(opaque));
        return WriteFrame(destination, Http2FrameType.Ping, ack ? Http2Flags.Ack : (byte)0, 0, opaque);
    }

    public static int WritePingAck(Span<byte> destination, ReadOnlySpan<byte> opaque) =>
        WritePing(destination, opaque, ack: true);

    /// <summary>WINDOW_UPDATE (§6.9) on a stream, or on the connection with stream 0.</summary>
    public static int WriteWindowUpdate(Span<byte> destination, uint streamId, int increment)
    {
        if (increment <= 0)
            throw new ArgumentOutOfRangeException(nameof(increment), "A window increment is 1..2^31-1.");
        Ensure(destination, WindowUpdateSize);
        new Http2FrameHeader(4, Http2FrameType.WindowUpdate, 0, streamId).Write(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(Http2FrameHeader.Size), (uint)increment);
        return WindowUpdateSize;
    }

    public static int WriteRstStream(Span<byte> destination, uint streamId, Http2ErrorCode code)
    {
        if ((streamId & 0x7FFFFFFF) == 0)
            throw new ArgumentOutOfRangeException(nameof(streamId), "RST_STREAM is for a stream.");
        Ensure(destination, RstStreamSize);
        new Http2FrameHeader(4, Http2FrameType.RstStream, 0, streamId).Write(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(Http2FrameHeader.Size), (uint)code);
        return RstStreamSize;
    }

    /// <summary>GOAWAY (§6.8): the last stream we processed or may process, why, and optional debug data (the
    /// reason, for the peer's logs; keep it short and free of secrets).</summary>
    public static int WriteGoAway(Span<byte> destination, uint lastStreamId, Http2ErrorCode code,
        ReadOnlySpan<byte> debugData = default)
    {
        int total = GoAwaySize(debugData.Length);
        Ensure(destination, total);
        new Http2FrameHeader(8 + debugData.Length, Http2FrameType.GoAway, 0, 0).Write(destination);
        Span<byte> p = destination.Slice(Http2FrameHeader.Size);
        BinaryPrimitives.WriteUInt32BigEndian(p, lastStreamId & 0x7FFFFFFF);
        BinaryPrimitives.WriteUInt32BigEndian(p.Slice(4), (uint)code);
        debugData.CopyTo(p.Slice(8));
        return total;
    }

    /// <summary>
    /// A whole field block: HEADERS, then CONTINUATION frames when it exceeds the peer's
    /// <paramref name="maxFrameSize"/> (§4.3, §6.10), END_HEADERS on the last of them. END_STREAM, when asked, goes
    /// on the HEADERS frame, where §6.2 puts it even if CONTINUATION follows. No padding, no priority: we send
    /// neither. The frames are contiguous, which §4.3 requires (nothing may interleave a field block).
    /// </summary>
    public static int WriteHeaders(Span<byte> destination, uint streamId, ReadOnlySpan<byte> block, int maxFrameSize,
        bool endStream)
    {
        if (maxFrameSize < Http2Settings.DefaultMaxFrameSize || maxFrameSize > Http2FrameHeader.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(maxFrameSize));
        if ((streamId & 0x7FFFFFFF) == 0)
            throw new ArgumentOutOfRangeException(nameof(streamId), "HEADERS is for a stream.");
        Ensure(destination, HeadersSize(block.Length, maxFrameSize));
        int written = 0;
        int offset = 0;
        Http2FrameType type = Http2FrameType.Headers;
        do
        {
            int chunk = Math.Min(maxFrameSize, block.Length - offset);
            bool last = offset + chunk == block.Length;
            byte flags = (byte)((last ? Http2Flags.EndHeaders : 0) |
                                (type == Http2FrameType.Headers && endStream ? Http2Flags.EndStream : 0));
            new Http2FrameHeader(chunk, type, flags, streamId).Write(destination.Slice(written));
            block.Slice(offset, chunk).CopyTo(destination.Slice(written + Http2FrameHeader.Size));
            written += Http2FrameHeader.Size + chunk;
            offset += chunk;
            type = Http2FrameType.Continuation;
        }
        while (offset < block.Length);
        return written;
    }

    /// <summary>DATA (§6.1) carrying <paramref name="data"/>, which must fit the peer's SETTINGS_MAX_FRAME_SIZE and
    /// the flow-control windows (the caller's accounting).</summary>
    public static int WriteData(Span<byte> destination, uint streamId, ReadOnlySpan<byte> data, bool endStream)
    {
        int total = WriteDataHeader(destination, streamId, data.Length, endStream);
        data.CopyTo(destination.Slice(Http2FrameHeader.Size));
        return total;
    }

    /// <summary>
    /// Only the 9-octet header of a DATA frame of <paramref name="length"/> octets, so a file can be read straight
    /// into the send buffer after it with no copy; returns the frame's whole size.
    /// </summary>
    public static int WriteDataHeader(Span<byte> destination, uint streamId, int length, bool endStream)
    {
        if ((streamId & 0x7FFFFFFF) == 0)
            throw new ArgumentOutOfRangeException(nameof(streamId), "DATA is for a stream.");
        int total = Http2FrameHeader.Size + length;
        Ensure(destination, total);
        new Http2FrameHeader(length, Http2FrameType.Data, endStream ? Http2Flags.EndStream : (byte)0, streamId)
            .Write(destination);
        return total;
    }

    private static int FrameCount(int blockLength, int maxFrameSize)
    {
        if (blockLength < 0)
            throw new ArgumentOutOfRangeException(nameof(blockLength));
        if (maxFrameSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxFrameSize));
        return blockLength == 0 ? 1 : (blockLength + maxFrameSize - 1) / maxFrameSize;
    }

    private static void Ensure(Span<byte> destination, int needed)
    {
        if (destination.Length < needed)
            throw new ArgumentException("Destination too short for the frame.", nameof(destination));
    }
}
