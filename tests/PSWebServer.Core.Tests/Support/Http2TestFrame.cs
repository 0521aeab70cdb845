using System;
using PSWebServer.Http2;

namespace PSWebServer.Tests.Support;

/// <summary>One frame the server sent, as <see cref="Http2TestClient"/> saw it (a DATA frame's payload is not kept: it is in the stream's body).</summary>
internal sealed class Http2TestFrame
{
    public Http2TestFrame(Http2FrameType type, byte flags, uint streamId, int length, byte[] payload)
    {
        Type = type;
        Flags = flags;
        StreamId = streamId;
        Length = length;
        Payload = payload;
    }

    public Http2FrameType Type { get; }
    public byte Flags { get; }
    public uint StreamId { get; }
    /// <summary>The frame's payload length on the wire (padding included).</summary>
    public int Length { get; }
    public byte[] Payload { get; }

    public bool HasFlag(byte flag) => (Flags & flag) != 0;

    /// <summary>RST_STREAM's or GOAWAY's error code.</summary>
    public Http2ErrorCode ErrorCode => Type switch
    {
        Http2FrameType.RstStream => Http2Payload.GetRstStreamCode(Payload),
        Http2FrameType.GoAway => Http2Payload.GetGoAwayCode(Payload),
        _ => throw new InvalidOperationException(Type + " has no error code"),
    };

    /// <summary>GOAWAY's last stream id.</summary>
    public uint LastStreamId => Http2Payload.GetGoAwayLastStreamId(Payload);

    /// <summary>WINDOW_UPDATE's increment.</summary>
    public int WindowIncrement => (int)(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Payload) & 0x7FFFFFFF);

    public override string ToString() => Type switch
    {
        Http2FrameType.RstStream or Http2FrameType.GoAway => $"{Type} stream {StreamId} {ErrorCode}",
        _ => $"{Type} stream {StreamId} flags 0x{Flags:x2} length {Length}",
    };
}
