using System;
using System.Buffers.Binary;

namespace PSWebServer.Http2;

/// <summary>
/// The 9-octet frame header (RFC 9113 §4.1). The reserved bit of the stream identifier is masked on read and never
/// set on write (§4.1: it must be ignored), so <see cref="StreamId"/> is always 31 bits.
/// </summary>
internal readonly struct Http2FrameHeader
{
    /// <summary>Octets of a frame header on the wire.</summary>
    public const int Size = 9;

    /// <summary>The largest payload the 24-bit length field can carry (and the largest SETTINGS_MAX_FRAME_SIZE).</summary>
    public const int MaxLength = 0xFFFFFF;

    public Http2FrameHeader(int length, Http2FrameType type, byte flags, uint streamId)
    {
        if ((uint)length > MaxLength)
            throw new ArgumentOutOfRangeException(nameof(length));
        Length = length;
        Type = type;
        Flags = flags;
        StreamId = streamId & 0x7FFFFFFF;
    }

    /// <summary>Payload length, 0..2^24-1.</summary>
    public int Length { get; }

    public Http2FrameType Type { get; }

    public byte Flags { get; }

    /// <summary>Stream identifier with the reserved bit cleared.</summary>
    public uint StreamId { get; }

    public bool HasFlag(byte flag) => (Flags & flag) != 0;

    /// <summary>Reads a header from the first <see cref="Size"/> octets of <paramref name="source"/>.</summary>
    public static Http2FrameHeader Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
            throw new ArgumentException("A frame header is 9 octets.", nameof(source));
        int length = (source[0] << 16) | (source[1] << 8) | source[2];
        return new Http2FrameHeader(length, (Http2FrameType)source[3], source[4],
            BinaryPrimitives.ReadUInt32BigEndian(source.Slice(5)));
    }

    /// <summary>Writes the header into the first <see cref="Size"/> octets of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        if (destination.Length < Size)
            throw new ArgumentException("A frame header is 9 octets.", nameof(destination));
        destination[0] = (byte)(Length >> 16);
        destination[1] = (byte)(Length >> 8);
        destination[2] = (byte)Length;
        destination[3] = (byte)Type;
        destination[4] = Flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(5), StreamId);
    }
}
